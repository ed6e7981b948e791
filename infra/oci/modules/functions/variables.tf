variable "compartment_ocid" {
  description = "Compartment of the functions application."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names."
  type        = string
}

variable "subnet_id" {
  description = "Private app subnet the functions run in."
  type        = string
}

variable "nsg_id" {
  description = "NSG of the functions."
  type        = string
}

variable "shape" {
  description = "Functions application shape: GENERIC_ARM, GENERIC_X86 or GENERIC_X86_ARM (the image is multi-arch)."
  type        = string
  validation {
    condition     = contains(["GENERIC_ARM", "GENERIC_X86", "GENERIC_X86_ARM"], var.shape)
    error_message = "shape must be GENERIC_ARM, GENERIC_X86 or GENERIC_X86_ARM."
  }
}

variable "image" {
  description = "The one function image (OCIR reference, tagged by commit); FORGECAST_FUNCTION selects the handler."
  type        = string
}

variable "functions" {
  description = "catalog.generated.json `functions`: memory, timeout and the config keys each function reads."
  type = map(object({
    memoryMb         = number
    timeoutSeconds   = number
    plainConfigKeys  = list(string)
    secretConfigKeys = list(string)
  }))
}

variable "config_values" {
  description = "Plain config values by key; each function receives only the keys its manifest lists."
  type        = map(string)
}

variable "secret_ocids" {
  description = "Vault secret OCID per secret config key; a function gets <KEY>_SECRET_OCID for each secret key it reads."
  type        = map(string)
}

variable "application_config" {
  description = "Platform keys every function receives (metrics); set once on the application."
  type        = map(string)
}

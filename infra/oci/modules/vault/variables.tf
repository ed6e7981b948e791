variable "compartment_ocid" {
  description = "Compartment of the vault, the key and the secrets."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display and secret names."
  type        = string
}

variable "key_protection_mode" {
  description = "HSM or SOFTWARE protection of the master key."
  type        = string
  validation {
    condition     = contains(["HSM", "SOFTWARE"], var.key_protection_mode)
    error_message = "key_protection_mode must be HSM or SOFTWARE."
  }
}

variable "secret_keys" {
  description = "catalog.generated.json `secretKeys`: the config keys stored as Vault secrets."
  type        = list(string)
}

variable "secret_values" {
  description = "Value of each secret key (plain text; stored base64-encoded)."
  type        = map(string)
  sensitive   = true
}

variable "db_admin_password" {
  description = "The DB system's administrator password, kept as a secret for operators."
  type        = string
  sensitive   = true
}

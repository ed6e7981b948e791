variable "compartment_ocid" {
  description = "Compartment of the buckets."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every bucket name: <prefix>-<logical name>."
  type        = string
}

variable "namespace" {
  description = "Object Storage namespace of the tenancy."
  type        = string
}

variable "buckets" {
  description = "catalog.generated.json `buckets`: logical name -> whether Events rules read its object events."
  type = map(object({
    objectEvents = bool
    purpose      = string
  }))
}

variable "kms_key_id" {
  description = "Vault master key that encrypts the design vault and raw video buckets."
  type        = string
}

variable "upload_expiry_days" {
  description = "Days after which objects left in the upload buckets (incoming designs, raw video) are deleted."
  type        = number
}

variable "abort_multipart_days" {
  description = "Days after which incomplete multipart uploads are aborted, in every bucket."
  type        = number
}

variable "media_par_expires" {
  description = "RFC 3339 expiry of the read-only pre-authenticated requests Fastly uses as origins (media, and the web portal)."
  type        = string
}

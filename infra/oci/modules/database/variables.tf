variable "compartment_ocid" {
  description = "Compartment of the DB system."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names."
  type        = string
}

variable "availability_domain" {
  description = "Availability domain of the (primary) DB system."
  type        = string
}

variable "subnet_id" {
  description = "Private database subnet."
  type        = string
}

variable "nsg_id" {
  description = "NSG of the DB system (3306 from functions, workers and bastion sessions)."
  type        = string
}

variable "shape_name" {
  description = "MySQL HeatWave shape (`oci mysql shape list`)."
  type        = string
}

variable "storage_gbs" {
  description = "Initial data storage in GB."
  type        = number
}

variable "admin_username" {
  description = "Administrator user of the DB system."
  type        = string
}

variable "admin_password" {
  description = "Administrator password (8-32 characters, upper, lower, digit and special)."
  type        = string
  sensitive   = true
}

variable "highly_available" {
  description = "Three-instance HA DB system across fault or availability domains."
  type        = bool
}

variable "backup_retention_days" {
  description = "Automatic backup retention (1-35 days); point-in-time recovery is enabled."
  type        = number
}

variable "delete_protected" {
  description = "Refuse to delete the DB system (set false before terraform destroy)."
  type        = bool
}

variable "tenancy_ocid" {
  description = "Tenancy OCID: dynamic groups, the Object Storage user and tenancy-level statements live there."
  type        = string
}

variable "compartment_ocid" {
  description = "The forgecast compartment every statement is scoped to."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for IAM names."
  type        = string
}

variable "region" {
  description = "Region identifier (names the Object Storage service principal, objectstorage-<region>)."
  type        = string
}

variable "functions" {
  description = "catalog.generated.json `functions`: each function's config keys and event stream access decide what its policy allows."
  type = map(object({
    plainConfigKeys  = list(string)
    secretConfigKeys = list(string)
    eventStream      = string
  }))
}

variable "function_ids" {
  description = "Function OCID by catalog name: statements are pinned to the calling function (request.principal.id)."
  type        = map(string)
}

variable "worker_secret_keys" {
  description = "Secret config keys the transcoder worker reads."
  type        = list(string)
}

variable "worker_queues" {
  description = "Work queues the transcoder worker consumes."
  type        = list(string)
}

variable "secret_ocids" {
  description = "Vault secret OCID by config key."
  type        = map(string)
}

variable "master_key_id" {
  description = "OCID of the Vault master key."
  type        = string
}

variable "queue_ids" {
  description = "Queue OCID by work queue name."
  type        = map(string)
}

variable "bucket_names" {
  description = "Real bucket name by logical name."
  type        = map(string)
}

variable "domain_events_stream_id" {
  description = "Stream the Events service writes object events into (and an outbox relay would publish to)."
  type        = string
}

variable "metrics_namespace" {
  description = "Custom metrics namespace functions and workers may post to."
  type        = string
}

variable "schedule_ids" {
  description = "Resource Scheduler schedule OCIDs that may invoke functions."
  type        = list(string)
}

variable "ocir_compartment_ocid" {
  description = "Compartment of the OCIR repositories holding the images (the tenancy root by default)."
  type        = string
}

variable "create_s3_user" {
  description = "Create an IAM user (bucket-scoped group policy) and its Customer Secret Key for the S3-compatible API; false to bring your own key."
  type        = bool
}

variable "live_compartment_ocid" {
  description = "The live ingest pool's own compartment (its dynamic group matches container instances there)."
  type        = string
}

variable "live_secret_ids" {
  description = "OCIDs of the Vault secrets the live ingest agent reads (its API key and its S3 secret)."
  type        = list(string)
}

variable "create_live_s3_user" {
  description = "Create the live ingest agent's own object-storage user and Customer Secret Key."
  type        = bool
}

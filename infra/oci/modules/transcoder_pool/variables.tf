variable "compartment_ocid" {
  description = "Compartment of the container instances (POOL_COMPARTMENT_ID of the scaler)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names."
  type        = string
}

variable "availability_domains" {
  description = "Availability domains to spread the pool over (member i goes to domain i mod n)."
  type        = list(string)
}

variable "subnet_id" {
  description = "Private workers subnet."
  type        = string
}

variable "nsg_id" {
  description = "NSG of the workers."
  type        = string
}

variable "image" {
  description = "Transcoder image (arm64, OCIR reference tagged by commit)."
  type        = string
}

variable "pool_max" {
  description = "Container instances declared; the scaler never runs more."
  type        = number
}

variable "pool_min" {
  description = "Members created running; the scaler never stops below this many."
  type        = number
}

variable "ocpus" {
  description = "OCPUs of each CI.Standard.A1.Flex member."
  type        = number
}

variable "memory_gbs" {
  description = "Memory (GB) of each member."
  type        = number
}

variable "environment" {
  description = "Environment of the transcoder container: the keys workers/transcoder/config.ts reads (secrets as <KEY>_SECRET_OCID) plus the metrics keys."
  type        = map(string)
}

variable "graceful_shutdown_seconds" {
  description = "Time a stopped member's worker gets after SIGTERM; must exceed its SHUTDOWN_GRACE_SECONDS."
  type        = number
}

variable "shutdown_grace_seconds" {
  description = "The worker's SHUTDOWN_GRACE_SECONDS (a job due within it is finished, else released)."
  type        = number
}

variable "transcode_queue_id" {
  description = "OCID of the transcode queue whose depth the alarm watches."
  type        = string
}

variable "backlog_topic_id" {
  description = "Notifications topic the backlog alarm publishes to (transcoder-scaler subscribes)."
  type        = string
}

variable "backlog_threshold" {
  description = "Visible transcode jobs above which the backlog alarm fires and wakes the scaler."
  type        = number
}

variable "compartment_ocid" {
  description = "Compartment of the queues and the stream pool."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names."
  type        = string
}

variable "queues" {
  description = "catalog.generated.json `queues`: work queue name -> dead-letter delivery count."
  type = map(object({
    deadLetterDeliveryCount = number
    purpose                 = string
  }))
}

variable "dead_letter_delivery_counts" {
  description = "Overrides of the catalog's dead-letter delivery count by queue name (transcode follows transcode_max_attempts)."
  type        = map(number)
}

variable "retention_seconds" {
  description = "How long an unconsumed message is kept (OCI allows up to 7 days)."
  type        = number
}

variable "visibility_seconds" {
  description = "Default visibility timeout of a received message; consumers set their own per receive."
  type        = number
}

variable "stream_partitions" {
  description = "Partitions of the domain events stream (1 MB/s write each)."
  type        = number
}

variable "stream_retention_hours" {
  description = "Retention of the domain events stream, 24 to 168 hours, fixed at creation."
  type        = number
}

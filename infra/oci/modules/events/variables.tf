variable "compartment_ocid" {
  description = "Compartment of the rules and topics (and of the buckets the rules watch)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names and topic names."
  type        = string
}

variable "event_rules" {
  description = "catalog.generated.json `eventRules`, flattened: function, logical bucket, event types, object-name patterns."
  type = map(object({
    function       = string
    bucket         = string
    event_types    = list(string)
    resource_names = list(string)
  }))
}

variable "topics" {
  description = "catalog.generated.json `topics`: Notifications topic (logical name) -> functions subscribed to it."
  type = map(object({
    subscribers = list(string)
  }))
}

variable "bucket_names" {
  description = "Real bucket name by logical name."
  type        = map(string)
}

variable "function_ids" {
  description = "Function OCID by catalog name."
  type        = map(string)
}

variable "domain_events_stream_id" {
  description = "Stream that also receives every object event of the platform's buckets (replayable audit feed)."
  type        = string
}

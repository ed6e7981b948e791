variable "compartment_ocid" {
  description = "Compartment of the logs, topic and alarms."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names."
  type        = string
}

variable "application_id" {
  description = "Functions application whose invocation logs are collected."
  type        = string
}

variable "api_deployment_ids" {
  description = "API Gateway deployment OCIDs by key, for access and execution logs."
  type        = map(string)
}

variable "function_names" {
  description = "Catalog function names, one error-ratio alarm each."
  type        = list(string)
}

variable "queue_ids" {
  description = "Queue OCID by work queue name, one dead-letter alarm each (except advisory_queues)."
  type        = map(string)
}

variable "advisory_queues" {
  description = "Work queues whose messages are advisory (a sweep does the same work): no dead-letter alarm."
  type        = list(string)
  default     = ["settlement"]
}

variable "event_rule_ids" {
  description = "Events rule OCID by catalog rule name: one execution log and one delivery-failure alarm each."
  type        = map(string)
}

variable "gateway_id" {
  description = "OCID of the API Gateway (5xx alarm)."
  type        = string
}

variable "metrics_namespace" {
  description = "Custom metrics namespace the code posts to."
  type        = string
}

variable "operator_email" {
  description = "Address subscribed to the operators' alarm topic (confirm the subscription email); empty for none."
  type        = string
}

variable "error_ratio_threshold" {
  description = "Fraction of failed requests over 5 minutes above which a function's alarm fires."
  type        = number
}

variable "log_retention_days" {
  description = "Retention of the service logs (30-day steps up to 180)."
  type        = number
}

variable "outbox_lag_seconds" {
  description = "Alarm threshold on outbox_lag_seconds: the age of the oldest domain event the relay has not published."
  type        = number
}

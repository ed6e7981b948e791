variable "compartment_ocid" {
  description = "Compartment of the schedules."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names."
  type        = string
}

variable "schedules" {
  description = "catalog.generated.json `schedules`: function, cron (minute granularity) and the tick body it receives."
  type = map(object({
    function = string
    schedule = string
    cron     = string
    tick     = any
  }))
}

variable "function_ids" {
  description = "Function OCID by catalog name."
  type        = map(string)
}

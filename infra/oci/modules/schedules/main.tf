terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# Timer triggers. OCI has no function timer of its own; Resource Scheduler can "start" a
# function, which invokes it (detached) with the BODY parameter as the request body, at most
# once a minute. The body is the schedule tick events/schedule-tick.ts defines, fixed per
# schedule: the scheduled handlers do not key on its eventID.

resource "oci_resource_scheduler_schedule" "this" {
  for_each           = var.schedules
  compartment_id     = var.compartment_ocid
  display_name       = "${var.name_prefix}-${each.key}"
  description        = "Tick ${each.value.schedule} of ${each.value.function}"
  action             = "START_RESOURCE"
  recurrence_type    = "CRON"
  recurrence_details = each.value.cron

  resources {
    id = var.function_ids[each.value.function]
    parameters {
      parameter_type = "BODY"
      value          = jsonencode(each.value.tick)
    }
  }
}

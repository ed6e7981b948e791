terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# Timer triggers. Verified: Resource Scheduler supports Functions as a resource type and its
# START action invokes the function ("Scheduling Functions",
# https://docs.oracle.com/iaas/Content/Functions/Tasks/functionsschedulingfunctions-about.htm;
# https://docs.oracle.com/iaas/Content/resource-scheduler/concepts/resourcescheduler-overview.htm),
# and a schedule resource takes `parameters { parameter_type = "BODY", value }` (provider docs
# from 7.x; 6.1.0 had no `parameters`). UNVERIFIED: that the BODY parameter becomes the function's
# request body, and that a CRON recurrence of every minute is accepted (the console offers
# daily/weekly/monthly). The scheduled handlers parse the body as a schedule tick
# (events/schedule-tick.ts), fixed per schedule: they do not key on its eventID.

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

output "schedule_ids" {
  description = "Schedule OCID by catalog schedule key."
  value       = { for key, schedule in oci_resource_scheduler_schedule.this : key => schedule.id }
}

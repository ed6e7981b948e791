output "log_group_id" {
  description = "OCID of the forgecast log group."
  value       = oci_logging_log_group.this.id
}

output "operators_topic_id" {
  description = "Notifications topic every operator alarm publishes to."
  value       = oci_ons_notification_topic.operators.id
}

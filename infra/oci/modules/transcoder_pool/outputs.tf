output "container_instance_ids" {
  description = "OCIDs of the pool members, in member order."
  value       = oci_container_instances_container_instance.member[*].id
}

output "backlog_alarm_id" {
  description = "OCID of the transcode backlog alarm."
  value       = oci_monitoring_alarm.backlog.id
}

output "container_instance_ids" {
  description = "OCIDs of the ingest instances, in member order."
  value       = oci_container_instances_container_instance.ingest[*].id
}

output "ingest_host" {
  description = "DNS name of the Network Load Balancer: the host in the ingest URLs creators get."
  value       = local.ingest_host
}

output "instance_hosts" {
  description = "DNS name of each instance's public IP (its LIVE_PUBLIC_HOST, advertised in ICE)."
  value       = local.hosts
}

output "nlb_ip_address" {
  description = "Reserved public IP of the ingest Network Load Balancer."
  value       = oci_core_public_ip.nlb.ip_address
}

output "api_key_secret_id" {
  description = "OCID of the Vault secret holding LIVE_INGEST_API_KEY."
  value       = oci_vault_secret.api_key.id
}

output "s3_secret_id" {
  description = "OCID of the Vault secret holding the agent's S3 secret key."
  value       = oci_vault_secret.s3_secret.id
}

output "tls_certificate_secret_id" {
  description = "OCID of the Vault secret holding the ingest hosts' certificate (LIVE_TLS_CERT_PEM)."
  value       = oci_vault_secret.tls_certificate.id
}

output "tls_private_key_secret_id" {
  description = "OCID of the Vault secret holding that certificate's key (LIVE_TLS_KEY_PEM)."
  value       = oci_vault_secret.tls_private_key.id
}

output "alarm_ids" {
  description = "OCIDs of the live alarms (playlist lag, instance count, pool down)."
  value       = concat([oci_monitoring_alarm.playlist_lag.id], oci_monitoring_alarm.instances_low[*].id, oci_monitoring_alarm.instances_absent[*].id)
}

output "functions_dynamic_group_id" {
  description = "OCID of the functions' dynamic group."
  value       = oci_identity_dynamic_group.functions.id
}

output "workers_dynamic_group_id" {
  description = "OCID of the transcoder container instances' dynamic group."
  value       = oci_identity_dynamic_group.workers.id
}

output "s3_access_key_id" {
  description = "Access key id of the created Customer Secret Key (empty when create_s3_user is false)."
  value       = var.create_s3_user ? oci_identity_customer_secret_key.s3[0].id : ""
}

output "s3_secret_access_key" {
  description = "Secret of the created Customer Secret Key (empty when create_s3_user is false)."
  value       = var.create_s3_user ? oci_identity_customer_secret_key.s3[0].key : ""
  sensitive   = true
}

output "live_ingest_dynamic_group_id" {
  description = "OCID of the live ingest container instances' dynamic group."
  value       = oci_identity_dynamic_group.live_ingest.id
}

output "live_s3_access_key_id" {
  description = "Access key id of the live ingest agent's Customer Secret Key (empty when create_live_s3_user is false)."
  value       = var.create_live_s3_user ? oci_identity_customer_secret_key.live_s3[0].id : ""
}

output "live_s3_secret_access_key" {
  description = "Secret of the live ingest agent's Customer Secret Key (empty when create_live_s3_user is false)."
  value       = var.create_live_s3_user ? oci_identity_customer_secret_key.live_s3[0].key : ""
  sensitive   = true
}

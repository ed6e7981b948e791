output "api_base_url" {
  description = "Base URL of the API (the /v1 deployment)."
  value       = module.api_gateway.api_base_url
}

output "gateway_hostname" {
  description = "Hostname of the API Gateway (point a CNAME here for a custom domain)."
  value       = module.api_gateway.hostname
}

output "fastly_challenge_url" {
  description = "Where Fastly checks log-streaming ownership (served by the root deployment)."
  value       = values(module.api_gateway.root_urls)[0]
}

output "stripe_webhook_url" {
  description = "Endpoint to register in Stripe's dashboard."
  value       = "${module.api_gateway.api_base_url}/webhooks/stripe"
}

output "cdn_logs_url" {
  description = "Fastly HTTPS logging endpoint URL."
  value       = "${module.api_gateway.api_base_url}/cdn-logs"
}

output "bucket_names" {
  description = "Real bucket name by logical name."
  value       = module.storage.bucket_names
}

output "object_storage_namespace" {
  description = "Object Storage namespace of the tenancy."
  value       = local.namespace
}

output "media_origin_par_path" {
  description = "Fastly origin prefix for media (read-only PAR path). Secret: terraform output -raw media_origin_par_path."
  value       = module.storage.media_origin_par_path
  sensitive   = true
}

output "web_bucket_name" {
  description = "Bucket holding the built portal: upload dist/web here (docs/deploy.md, The web portal)."
  value       = module.storage.web_bucket_name
}

output "web_origin_par_path" {
  description = "Fastly origin prefix for the portal (read-only PAR path on the web bucket). Secret: terraform output -raw web_origin_par_path."
  value       = module.storage.web_origin_par_path
  sensitive   = true
}

output "queue_ids" {
  description = "Work queue OCID by name."
  value       = module.queue.queue_ids
}

output "queue_messages_endpoint" {
  description = "QUEUE_MESSAGES_ENDPOINT given to the functions and workers."
  value       = module.queue.messages_endpoint
}

output "domain_events_stream_id" {
  description = "OCID of the domain events stream."
  value       = module.queue.domain_events_stream_id
}

output "domain_events_messages_endpoint" {
  description = "Messages endpoint of the domain events stream."
  value       = module.queue.domain_events_messages_endpoint
}

output "function_ids" {
  description = "Function OCID by catalog name."
  value       = module.functions.function_ids
}

output "functions_application_id" {
  description = "OCID of the functions application."
  value       = module.functions.application_id
}

output "vault_id" {
  description = "OCID of the vault."
  value       = module.vault.vault_id
}

output "master_key_id" {
  description = "OCID of the master key (KMS_KEY_ID)."
  value       = module.vault.master_key_id
}

output "secret_ocids" {
  description = "Vault secret OCID by config key (rotate a secret by adding a version; functions pick it up at their next cold start)."
  value       = module.vault.secret_ocids
}

output "mysql_admin_password_secret_id" {
  description = "Vault secret holding the DB administrator password."
  value       = module.vault.db_admin_password_secret_id
}

output "mysql_private_ip" {
  description = "Private IP of the MySQL DB system."
  value       = module.database.private_ip
}

output "bastion_id" {
  description = "OCID of the Bastion for DB port forwarding (empty without bastion_client_cidrs)."
  value       = length(oci_bastion_bastion.this) > 0 ? oci_bastion_bastion.this[0].id : ""
}

output "transcoder_instance_ids" {
  description = "OCIDs of the transcoder pool members."
  value       = module.transcoder_pool.container_instance_ids
}

output "operators_topic_id" {
  description = "Notifications topic of the operator alarms."
  value       = module.observability.operators_topic_id
}

output "log_group_id" {
  description = "Log group of function invocations and gateway logs."
  value       = module.observability.log_group_id
}

output "live_ingest_urls" {
  description = "Ingest URLs creators are given (also LIVE_RTMP_URL, LIVE_RTMPS_URL, LIVE_WHIP_URL of live-streams)."
  value = {
    rtmp  = local.platform_config.LIVE_RTMP_URL
    rtmps = local.platform_config.LIVE_RTMPS_URL
    whip  = local.platform_config.LIVE_WHIP_URL
  }
}

output "live_ingest_nlb_ip" {
  description = "Reserved public IP of the live ingest Network Load Balancer (the A record of the ingest host)."
  value       = module.live_ingest.nlb_ip_address
}

output "live_ingest_instance_ids" {
  description = "OCIDs of the live ingest instances."
  value       = module.live_ingest.container_instance_ids
}

output "live_ingest_instance_hosts" {
  description = "DNS name of each live ingest instance (its LIVE_PUBLIC_HOST)."
  value       = module.live_ingest.instance_hosts
}

variable "compartment_ocid" {
  description = "The live ingest pool's own compartment (instances, NLB, its reserved IP): its dynamic group is that compartment, so the transcoders' grants never reach a live instance and the instance-count alarm counts exactly the pool."
  type        = string
}

variable "secrets_compartment_ocid" {
  description = "Compartment of the vault the agent's two secrets are stored in."
  type        = string
}

variable "alarm_compartment_ocid" {
  description = "Compartment the alarms are created in (the platform's)."
  type        = string
}

variable "metrics_compartment_ocid" {
  description = "Compartment the agent posts its custom metrics to (METRICS_COMPARTMENT_ID)."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names."
  type        = string
}

variable "availability_domains" {
  description = "Availability domains to spread the pool over (member i goes to domain i mod n)."
  type        = list(string)
}

variable "subnet_id" {
  description = "The live subnet (public, never the transcoders')."
  type        = string
}

variable "nsg_id" {
  description = "NSG of the ingest instances."
  type        = string
}

variable "nlb_nsg_id" {
  description = "NSG of the Network Load Balancer."
  type        = string
}

variable "image" {
  description = "Live ingest image (arm64, OCIR reference tagged by commit; workers/live-ingest/Dockerfile)."
  type        = string
}

variable "pool_size" {
  description = "Ingest container instances, all running (a stream is pinned to its instance, so the pool is not scaled under running streams)."
  type        = number
}

variable "ocpus" {
  description = "OCPUs of each CI.Standard.A1.Flex instance (a 1080p30 source's 720/480/360 ladder takes about one)."
  type        = number
}

variable "memory_gbs" {
  description = "Memory (GB) of each instance."
  type        = number
}

variable "environment" {
  description = "Plain environment of the agent: LIVE_INGEST_API_URL, S3_ENDPOINT, S3_REGION, MEDIA_BUCKET and the metrics keys. Per-instance and secret keys are added here."
  type        = map(string)
}

variable "ports" {
  description = "NLB listener ports (rtmp, rtmps, whip) and the agent's ports behind them (rtmp_backend, rtmps_backend, whip_backend: the agent runs as a non-root user, so not 443)."
  type = object({
    rtmp          = number
    rtmps         = number
    whip          = number
    rtmp_backend  = number
    rtmps_backend = number
    whip_backend  = number
  })
}

variable "ice_ports" {
  description = "UDP port range the agent's WHIP receiver uses for ICE (LIVE_ICE_PORT_MIN/MAX); the NSG opens exactly this."
  type        = object({ min = number, max = number })
}

variable "drain_seconds" {
  description = "The agent's LIVE_DRAIN_SECONDS (how long stopping nginx gracefully may take on SIGTERM)."
  type        = number
}

variable "graceful_shutdown_seconds" {
  description = "Container Instances graceful shutdown timeout; must exceed drain_seconds."
  type        = number
}

variable "dns_zone_name" {
  description = "OCI DNS zone (e.g. live.example.com) for the ingest host (<host_prefix>.<zone>, the NLB) and each instance's name (<host_prefix>-<i>.<zone>, its public IP)."
  type        = string
}

variable "dns_compartment_ocid" {
  description = "Compartment of the DNS zone."
  type        = string
}

variable "host_prefix" {
  description = "First label of the ingest host names."
  type        = string
}

variable "vault_id" {
  description = "Vault the agent's secrets go into."
  type        = string
}

variable "master_key_id" {
  description = "Vault key that encrypts the agent's secrets."
  type        = string
}

variable "api_key" {
  description = "LIVE_INGEST_API_KEY: an API key with scope live:ingest, minted on the platform."
  type        = string
  sensitive   = true
}

variable "tls_certificate_pem" {
  description = "PEM certificate (chain) for the ingest host names: nginx ends RTMPS with it and WHIP is served over HTTPS with it (browsers on https:// pages refuse plain-HTTP WHIP)."
  type        = string
  sensitive   = true
}

variable "tls_private_key_pem" {
  description = "PEM private key of that certificate."
  type        = string
  sensitive   = true
}

variable "s3_access_key_id" {
  description = "Access key id of the agent's own object-storage user (media bucket only, no deletes)."
  type        = string
}

variable "s3_secret_access_key" {
  description = "Secret of that key."
  type        = string
  sensitive   = true
}

variable "metrics_namespace" {
  description = "Custom metrics namespace the agent posts live_playlist_lag_ms to."
  type        = string
}

variable "lag_threshold_seconds" {
  description = "Playlist lag behind the publisher's live edge (seconds) that raises the alarm after 2 minutes."
  type        = number
}

variable "operators_topic_id" {
  description = "Notifications topic the alarms publish to."
  type        = string
}

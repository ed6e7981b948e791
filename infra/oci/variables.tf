# --- Where

variable "tenancy_ocid" {
  description = "OCID of the tenancy (Resource Manager fills it in)."
  type        = string
}

variable "compartment_ocid" {
  description = "OCID of the compartment every forgecast resource goes into."
  type        = string
}

variable "region" {
  description = "Region identifier, e.g. eu-frankfurt-1 (Resource Manager fills it in)."
  type        = string
}

variable "home_region" {
  description = "The tenancy's home region, where IAM changes are made; empty when it is `region`."
  type        = string
  default     = ""
}

variable "name_prefix" {
  description = "Prefix of every resource name, bucket names included (<prefix>-media, ...)."
  type        = string
  default     = "forgecast"
  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,20}$", var.name_prefix))
    error_message = "name_prefix: lower-case letters, digits and '-', starting with a letter, at most 21 characters."
  }
}

# --- Images (push them first: scripts/oci-images.sh push)

variable "function_image" {
  description = "The function image, e.g. fra.ocir.io/<namespace>/forgecast/functions:<commit>."
  type        = string
}

variable "transcoder_image" {
  description = "The transcoder image (arm64), e.g. fra.ocir.io/<namespace>/forgecast/transcoder:<commit>."
  type        = string
}

variable "ocir_compartment_ocid" {
  description = "Compartment of the OCIR repositories the images are pulled from; empty for the tenancy root."
  type        = string
  default     = ""
}

variable "functions_shape" {
  description = "Functions application shape: GENERIC_ARM (Ampere), GENERIC_X86 or GENERIC_X86_ARM."
  type        = string
  default     = "GENERIC_ARM"
}

# --- Network

variable "vcn_cidr" {
  description = "IPv4 CIDR of the VCN (a /16 leaves room for the five /24 subnets)."
  type        = string
  default     = "10.20.0.0/16"
}

variable "functions_egress_cidrs" {
  description = "Destinations the functions may reach on TCP 443 through NAT (Stripe, Fastly, Firebase, a public chain RPC)."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "chain_rpc_cidrs" {
  description = "CIDRs of a private chain JSON-RPC endpoint reachable on chain_rpc_port (empty for a public HTTPS endpoint)."
  type        = list(string)
  default     = []
}

variable "chain_rpc_port" {
  description = "TCP port of a private chain JSON-RPC endpoint."
  type        = number
  default     = 8545
}

variable "workers_internet_egress" {
  description = "Let the transcoder workers reach the internet through NAT (not needed: they use Oracle services only)."
  type        = bool
  default     = false
}

variable "bastion_client_cidrs" {
  description = "Operator CIDRs allowed to open Bastion sessions (MySQL port forwarding); empty creates no bastion."
  type        = list(string)
  default     = []
}

# --- Chain (scripts/deploy-contracts.ts prints these)

variable "chain_rpc_url" {
  description = "JSON-RPC URL of the chain (Besu QBFT or any EVM endpoint) the functions reach."
  type        = string
}

variable "chain_id" {
  description = "Chain id; with it ethers never probes eth_chainId."
  type        = number
}

variable "chain_start_block" {
  description = "Block the contracts were deployed at; the indexer starts there."
  type        = number
  default     = 0
}

variable "chain_confirmations" {
  description = "Confirmations before the indexer trusts a block; 0 leaves the code's default."
  type        = number
  default     = 0
}

variable "design_registry_address" {
  description = "Address of the DesignRegistry contract."
  type        = string
}

variable "license_ledger_address" {
  description = "Address of the LicenseLedger contract."
  type        = string
}

# --- Payments, CDN, front end

variable "checkout_success_url" {
  description = "Where Stripe Checkout sends a buyer after paying ({CHECKOUT_SESSION_ID} is replaced)."
  type        = string
}

variable "checkout_cancel_url" {
  description = "Where Stripe Checkout sends a buyer who cancels ({SHOW_ID} is replaced)."
  type        = string
}

variable "edge_base_url" {
  description = "Public base URL of the Fastly service that serves media, e.g. https://media.example.com."
  type        = string
}

variable "fastly_service_id" {
  description = "Fastly service whose cache vod-package purges."
  type        = string
}

variable "fastly_revocation_dictionary_id" {
  description = "Id of the Fastly edge dictionary forgecast_revoked on fastly_service_id, where edge-revocations lists revoked playback grants (FASTLY_REVOCATION_DICTIONARY_ID)."
  type        = string
}

variable "fastly_service_ids" {
  description = "Comma-separated Fastly service ids allowed to stream logs to /v1/cdn-logs (the challenge answers for them)."
  type        = string
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed to call the API (CORS); empty for none."
  type        = list(string)
  default     = []
}

variable "api_rate_limit_per_second" {
  description = "Requests per second per client IP on the API Gateway."
  type        = number
  default     = 50
}

# --- Secrets (stored in Vault; functions receive only <KEY>_SECRET_OCID)

variable "chain_relayer_key" {
  description = "The relayer's 0x-prefixed private key (CHAIN_RELAYER_KEY)."
  type        = string
  sensitive   = true
}

variable "stripe_secret_key" {
  description = "Restricted Stripe API key (STRIPE_SECRET_KEY)."
  type        = string
  sensitive   = true
}

variable "stripe_webhook_secrets" {
  description = "Stripe webhook signing secrets, comma-separated while rolling (STRIPE_WEBHOOK_SECRETS)."
  type        = string
  sensitive   = true
}

variable "fastly_api_token" {
  description = "Fastly API token with purge_select on the service (FASTLY_API_TOKEN)."
  type        = string
  sensitive   = true
}

variable "fastly_revocation_api_token" {
  description = "Fastly API token with scope global, limited to the service: edge-revocations writes the forgecast_revoked dictionary with it (FASTLY_REVOCATION_API_TOKEN)."
  type        = string
  sensitive   = true
}

variable "edge_token_keys" {
  description = "Playback token keys, base64 of the printable key text, comma-separated while rolling (EDGE_TOKEN_KEYS)."
  type        = string
  sensitive   = true
}

variable "ticket_code_key" {
  description = "Key that signs ticket QR codes, e.g. openssl rand -hex 32 (TICKET_CODE_KEY)."
  type        = string
  sensitive   = true
}

variable "cdn_log_secret" {
  description = "Shared secret of the Fastly logging endpoint's X-Log-Secret header (CDN_LOG_SECRET)."
  type        = string
  sensitive   = true
}

variable "cdn_viewer_salt" {
  description = "Salt that pseudonymises viewers in CDN statistics (CDN_VIEWER_SALT)."
  type        = string
  sensitive   = true
}

variable "firebase_service_account_json" {
  description = "Firebase service account JSON for chat tokens (FIREBASE_SERVICE_ACCOUNT_JSON)."
  type        = string
  sensitive   = true
}

variable "firebase_project_id" {
  description = "Firebase project of the show chat (FIREBASE_PROJECT_ID); empty uses the service account's project."
  type        = string
  default     = ""
}

variable "firebase_web_api_key" {
  description = "Web API key of the Firebase project (FIREBASE_WEB_API_KEY): browsers sign in to the show chat with it. Public by design (it names the project; the security rules decide access), so not a secret."
  type        = string
}

variable "mysql_url" {
  description = "Override of MYSQL_URL (e.g. a least-privilege application user, or a restored DB system); empty builds it from the DB system and the admin user."
  type        = string
  default     = ""
  sensitive   = true
}

variable "s3_access_key_id" {
  description = "Customer Secret Key id for the S3-compatible API when Terraform does not create the object user (create_iam false)."
  type        = string
  default     = ""
}

variable "s3_secret_access_key" {
  description = "Secret of that Customer Secret Key."
  type        = string
  default     = ""
  sensitive   = true
}

# --- Database

variable "mysql_admin_username" {
  description = "Administrator user of the MySQL DB system."
  type        = string
  default     = "admin"
}

variable "mysql_admin_password" {
  description = "Administrator password of the MySQL DB system (8-32 characters with upper, lower, digit and special); also stored in Vault."
  type        = string
  sensitive   = true
}

variable "mysql_database" {
  description = "Schema forgecast uses (created by scripts/db-setup.ts)."
  type        = string
  default     = "forgecast"
}

variable "mysql_shape" {
  description = "MySQL HeatWave shape (`oci mysql shape list`)."
  type        = string
  default     = "MySQL.2"
}

variable "mysql_storage_gbs" {
  description = "Initial MySQL data storage in GB."
  type        = number
  default     = 50
}

variable "mysql_highly_available" {
  description = "Three-instance high availability for the DB system."
  type        = bool
  default     = false
}

variable "mysql_backup_retention_days" {
  description = "Automatic backup retention in days (point-in-time recovery is on)."
  type        = number
  default     = 7
}

variable "mysql_delete_protected" {
  description = "Protect the DB system from deletion (set false before terraform destroy)."
  type        = bool
  default     = true
}

# --- Vault, storage, queues

variable "vault_key_protection_mode" {
  description = "Protection of the master key: HSM or SOFTWARE."
  type        = string
  default     = "HSM"
}

variable "upload_expiry_days" {
  description = "Days after which leftovers in the upload buckets (incoming designs, raw video) are deleted."
  type        = number
  default     = 7
}

variable "abort_multipart_days" {
  description = "Days after which incomplete multipart uploads are aborted."
  type        = number
  default     = 2
}

variable "media_par_expires" {
  description = "RFC 3339 expiry of the read-only PARs Fastly uses as origins (media, web portal); renew before it passes."
  type        = string
  default     = "2030-01-01T00:00:00Z"
}

variable "transcode_max_attempts" {
  description = "Deliveries of a transcode job before it is dead-lettered: the queue's dead-letter count and TRANSCODE_MAX_ATTEMPTS of every reader."
  type        = number
  default     = 5
  validation {
    condition     = var.transcode_max_attempts >= 1 && var.transcode_max_attempts <= 20
    error_message = "transcode_max_attempts must be 1..20 (the worker's accepted range)."
  }
}

variable "queue_retention_seconds" {
  description = "Retention of queue messages (at most 604800, 7 days)."
  type        = number
  default     = 604800
}

variable "queue_visibility_seconds" {
  description = "Default visibility timeout of received queue messages."
  type        = number
  default     = 120
}

variable "stream_partitions" {
  description = "Partitions of the domain events stream."
  type        = number
  default     = 1
}

variable "stream_retention_hours" {
  description = "Retention of the domain events stream (24-168 hours, fixed at creation)."
  type        = number
  default     = 168
}

# --- Transcoder pool

variable "pool_min" {
  description = "Transcoders kept running with an empty queue."
  type        = number
  default     = 0
}

variable "pool_max" {
  description = "Transcoder container instances declared (the scaler runs at most this many)."
  type        = number
  default     = 4
}

variable "transcoder_ocpus" {
  description = "OCPUs per transcoder (CI.Standard.A1.Flex)."
  type        = number
  default     = 2
}

variable "transcoder_memory_gbs" {
  description = "Memory per transcoder in GB."
  type        = number
  default     = 8
}

variable "transcoder_shutdown_grace_seconds" {
  description = "SHUTDOWN_GRACE_SECONDS of the worker: a job due within it is finished on SIGTERM, otherwise released."
  type        = number
  default     = 25
}

variable "transcoder_graceful_shutdown_seconds" {
  description = "Container Instances graceful shutdown timeout; must exceed transcoder_shutdown_grace_seconds."
  type        = number
  default     = 60
}

variable "transcode_backlog_threshold" {
  description = "Visible transcode jobs above which the backlog alarm wakes the scaler."
  type        = number
  default     = 0
}

# --- Live ingest pool (modules/live_ingest; docs/live.md)

variable "live_ingest_image" {
  description = "The live ingest image (arm64: nginx-rtmp, ffmpeg, the agent), e.g. fra.ocir.io/<namespace>/forgecast/live-ingest:<commit>; needed when live_pool_size > 0."
  type        = string
  default     = ""
}

variable "live_pool_size" {
  description = "Live ingest container instances (CI.Standard.A1.Flex), all running; 0 for no live ingest."
  type        = number
  default     = 2
}

variable "live_ocpus" {
  description = "OCPUs per live ingest instance (a 1080p30 stream's 720/480/360 ladder takes about one)."
  type        = number
  default     = 2
}

variable "live_memory_gbs" {
  description = "Memory per live ingest instance in GB."
  type        = number
  default     = 8
}

variable "live_drain_seconds" {
  description = "LIVE_DRAIN_SECONDS of the agent: how long it drains on SIGTERM."
  type        = number
  default     = 20
}

variable "live_graceful_shutdown_seconds" {
  description = "Container Instances graceful shutdown timeout of the ingest instances; must exceed live_drain_seconds."
  type        = number
  default     = 45
}

variable "live_publisher_cidrs" {
  description = "Where publishers may connect from (RTMP 1935, RTMPS 443, WHIP signalling and media); 0.0.0.0/0 for anyone, the stream key being the gate."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "live_whip_port" {
  description = "TCP port of WHIP signalling (HTTPS) on the ingest Network Load Balancer."
  type        = number
  default     = 8443
}

variable "live_ice_port_min" {
  description = "First UDP port of WHIP media (ICE) on each ingest instance's public IP."
  type        = number
  default     = 20000
}

variable "live_ice_port_max" {
  description = "Last UDP port of WHIP media (ICE) on each ingest instance's public IP."
  type        = number
  default     = 20999
}

variable "live_dns_zone_name" {
  description = "OCI DNS zone for the ingest names: <live_host_prefix>.<zone> (the NLB, in the creators' ingest URLs) and <live_host_prefix>-<i>.<zone> (each instance's public IP, advertised in WHIP ICE); needed when live_pool_size > 0."
  type        = string
  default     = ""
}

variable "live_dns_compartment_ocid" {
  description = "Compartment of the DNS zone; empty for compartment_ocid."
  type        = string
  default     = ""
}

variable "live_host_prefix" {
  description = "First label of the ingest host names."
  type        = string
  default     = "ingest"
}

variable "live_compartment_ocid" {
  description = "An existing compartment for the live ingest pool (its dynamic group is that compartment); empty to create <name_prefix>-live under compartment_ocid (needs create_iam)."
  type        = string
  default     = ""
}

variable "live_ingest_api_key" {
  description = "LIVE_INGEST_API_KEY of the agent: an API key with scope live:ingest minted on the platform after the first apply (stored in Vault)."
  type        = string
  sensitive   = true
  default     = ""
}

variable "live_tls_certificate_pem" {
  description = "PEM certificate (chain) valid for the ingest host names (live_host_prefix-N.live_dns_zone_name and the load balancer's name): RTMPS and WHIP over HTTPS end on the instances with it. Stored in Vault."
  type        = string
  sensitive   = true
  default     = ""
}

variable "live_tls_private_key_pem" {
  description = "PEM private key of live_tls_certificate_pem. Stored in Vault."
  type        = string
  sensitive   = true
  default     = ""
}

variable "live_s3_access_key_id" {
  description = "Access key id of the live agent's own object user (media bucket, no deletes); empty to create one (needs create_iam)."
  type        = string
  default     = ""
}

variable "live_s3_secret_access_key" {
  description = "Secret of live_s3_access_key_id (stored in Vault)."
  type        = string
  sensitive   = true
  default     = ""
}

variable "live_playlist_lag_threshold_seconds" {
  description = "Seconds of playlist lag (metric live_playlist_lag_ms) above which, for 2 minutes, the alarm fires."
  type        = number
  default     = 3
}

# --- Observability and access

variable "metrics_namespace" {
  description = "Custom metrics namespace (METRICS_NAMESPACE)."
  type        = string
  default     = "forgecast"
}

variable "operator_email" {
  description = "Email subscribed to the operators' alarm topic; empty for none."
  type        = string
  default     = ""
}

variable "error_ratio_threshold" {
  description = "Failed-call fraction over 5 minutes that raises a function's alarm."
  type        = number
  default     = 0.05
}

variable "log_retention_days" {
  description = "Retention of function and gateway logs in days (30, 60, 90, 120, 150 or 180)."
  type        = number
  default     = 30
}

variable "create_iam" {
  description = "Create the dynamic groups, policies and object-storage user (needs tenancy-level IAM rights); false when a security team creates them from modules/iam."
  type        = bool
  default     = true
}

variable "function_config_overrides" {
  description = "Plain config values to set or override for every function that reads the key (e.g. MINT_WAIT_MS); never secret keys."
  type        = map(string)
  default     = {}
}

variable "bigquery_project_id" {
  description = "Google Cloud project of the analytics warehouse (BIGQUERY_PROJECT_ID); empty uses the service account's project."
  type        = string
  default     = ""
}

variable "bigquery_dataset" {
  description = "BigQuery dataset the warehouse loader writes events to and the insights function reads (BIGQUERY_DATASET)."
  type        = string
  default     = "forgecast"
}

variable "bigquery_location" {
  description = "BigQuery location of the dataset (BIGQUERY_LOCATION), e.g. EU or US."
  type        = string
  default     = "EU"
}

variable "bigquery_service_account_json" {
  description = "Service account key JSON for BigQuery (BIGQUERY_SERVICE_ACCOUNT_JSON): roles/bigquery.dataEditor on the dataset and roles/bigquery.jobUser on the project, nothing more."
  type        = string
  sensitive   = true
}

variable "ga4_measurement_id" {
  description = "Google Analytics 4 measurement id (G-XXXXXXX) for consented page views and actions (GA4_MEASUREMENT_ID); empty sends nothing to Google."
  type        = string
  default     = ""
}

variable "ga4_api_secret" {
  description = "Measurement Protocol API secret of that GA4 data stream (GA4_API_SECRET); empty while GA4 is off."
  type        = string
  sensitive   = true
  default     = ""
}

variable "analytics_id_salt" {
  description = "Salt that pseudonymises signed-in people in analytics events (ANALYTICS_ID_SALT); at least 32 random bytes."
  type        = string
  sensitive   = true
}

variable "outbox_lag_alarm_seconds" {
  description = "Alarm when the oldest domain event not yet on the stream is older than this (outbox_lag_seconds)."
  type        = number
  default     = 300
}

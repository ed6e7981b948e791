# forgecast on OCI. Everything per function, route, rule, schedule, topic, queue and secret
# comes from catalog.generated.json (npm run catalog:oci), the same catalog the local cloud runs.

locals {
  catalog   = jsondecode(file("${path.module}/catalog.generated.json"))
  namespace = data.oci_objectstorage_namespace.this.namespace
  ads       = [for ad in data.oci_identity_availability_domains.this.availability_domains : ad.name]

  # Platform keys on the application and the container instances (shared/metrics/config.ts).
  metrics_config = {
    METRICS_BACKEND            = "oci"
    METRICS_NAMESPACE          = var.metrics_namespace
    METRICS_COMPARTMENT_ID     = var.compartment_ocid
    METRICS_INGESTION_ENDPOINT = "https://telemetry-ingestion.${var.region}.oraclecloud.com"
  }

  bucket_names = module.storage.bucket_names
  queue_names  = keys(local.catalog.queues)

  # Every plain config key Terraform knows a value for; a function receives only those it reads.
  platform_config = {
    S3_ENDPOINT             = "https://${local.namespace}.compat.objectstorage.${var.region}.oraclecloud.com"
    S3_REGION               = var.region
    S3_ACCESS_KEY_ID        = var.s3_access_key_id != "" ? var.s3_access_key_id : try(module.iam[0].s3_access_key_id, "")
    BUCKETS                 = join(",", values(local.bucket_names))
    QUEUES                  = join(",", local.queue_names)
    INCOMING_BUCKET         = local.bucket_names["incoming-designs"]
    VAULT_BUCKET            = local.bucket_names["design-vault"]
    RAW_VIDEO_BUCKET        = local.bucket_names["raw-video"]
    MEDIA_BUCKET            = local.bucket_names["media"]
    CHAIN_RPC_URL           = var.chain_rpc_url
    CHAIN_ID                = tostring(var.chain_id)
    CHAIN_START_BLOCK       = tostring(var.chain_start_block)
    CHAIN_CONFIRMATIONS     = var.chain_confirmations == 0 ? "" : tostring(var.chain_confirmations)
    DESIGN_REGISTRY_ADDRESS = var.design_registry_address
    LICENSE_LEDGER_ADDRESS  = var.license_ledger_address
    KEY_WRAPPER             = "oci-kms"
    KMS_CRYPTO_ENDPOINT     = module.vault.crypto_endpoint
    KMS_KEY_ID              = module.vault.master_key_id
    QUEUE_BACKEND           = "oci"
    QUEUE_MESSAGES_ENDPOINT = module.queue.messages_endpoint
    TRANSCODE_QUEUE_ID      = module.queue.queue_ids["transcode"]
    SETTLEMENT_QUEUE_ID     = module.queue.queue_ids["settlement"]
    TRANSCODE_MAX_ATTEMPTS  = tostring(var.transcode_max_attempts)
    SHUTDOWN_GRACE_SECONDS  = tostring(var.transcoder_shutdown_grace_seconds)
    EDGE_BASE_URL           = var.edge_base_url
    CDN_BACKEND             = "fastly"
    FASTLY_SERVICE_ID       = var.fastly_service_id
    FASTLY_SERVICE_IDS      = var.fastly_service_ids
    CHECKOUT_SUCCESS_URL    = var.checkout_success_url
    CHECKOUT_CANCEL_URL     = var.checkout_cancel_url
    POOL_BACKEND            = "oci"
    POOL_COMPARTMENT_ID     = var.compartment_ocid
    POOL_TAG                = "forgecast-pool=transcoder"
    POOL_MIN                = tostring(var.pool_min)
    POOL_MAX                = tostring(var.pool_max)
    # The forgecast_revoked edge dictionary (infra/fastly/forgecast-edge.vcl) edge-revocations writes.
    FASTLY_REVOCATION_DICTIONARY_ID = var.fastly_revocation_dictionary_id
    # Resource Scheduler ticks once a minute: each edge-revocations tick watches for 50 s, so a
    # revoked ticket reaches the edge within seconds.
    REVOCATION_WATCH_SECONDS = "50"
    # The portal and its sign-in (identity.tf).
    PORTAL_ORIGIN   = var.portal_origin
    OIDC_ISSUER_URL = var.oidc_issuer_url
    OIDC_CLIENT_ID  = var.oidc_client_id
    # The ingest URLs creators get (live-streams): the NLB's name; RTMPS and WHIP end on the instance.
    LIVE_RTMP_URL  = "rtmp://${local.live_ingest_host}:${local.live_ports.rtmp}/live"
    LIVE_RTMPS_URL = "rtmps://${local.live_ingest_host}:${local.live_ports.rtmps}/live"
    LIVE_WHIP_URL  = "https://${local.live_ingest_host}:${local.live_ports.whip}/whip"
    # Show chat in Firestore: show-access hands browsers the project and its Web API key (they
    # sign in at Identity Toolkit with it); edge-revocations writes revoked tickets there (empty
    # project: the service account's own).
    CHAT_BACKEND         = "firestore"
    FIREBASE_PROJECT_ID  = var.firebase_project_id
    FIREBASE_WEB_API_KEY = var.firebase_web_api_key
    # Domain events (issue 17): the outbox relay publishes to the stream, consumers read their
    # groups. The scheduler fires once a minute, so each tick keeps working for 50 s, looking
    # again every half second when idle: events leave and arrive within about a second.
    STREAM_BACKEND           = "oci"
    STREAM_ID                = module.queue.domain_events_stream_id
    STREAM_MESSAGES_ENDPOINT = module.queue.domain_events_messages_endpoint
    RELAY_RUN_SECONDS        = "50"
    RELAY_IDLE_POLL_MS       = "500"
    WEBHOOK_RUN_SECONDS      = "50"
    WAREHOUSE_RUN_SECONDS    = "50"
    # The warehouse behind the dashboards, and Google Analytics 4 (off while no measurement id).
    WAREHOUSE_BACKEND   = "bigquery"
    BIGQUERY_PROJECT_ID = var.bigquery_project_id
    BIGQUERY_DATASET    = var.bigquery_dataset
    BIGQUERY_LOCATION   = var.bigquery_location
    GA4_MEASUREMENT_ID  = var.ga4_measurement_id
  }

  # Live ingest: NLB listeners and the agent's ports behind them (non-root: no port below 1024).
  live_ports = {
    rtmp          = 1935
    rtmps         = 443
    whip          = var.live_whip_port
    rtmp_backend  = 1935
    rtmps_backend = 1936
    whip_backend  = 8084
  }
  live_ingest_host = "${var.live_host_prefix}.${var.live_dns_zone_name}"
  live_compartment = var.live_compartment_ocid != "" ? var.live_compartment_ocid : try(oci_identity_compartment.live[0].id, "")
  live_ingest_environment = merge(local.metrics_config, {
    LIVE_INGEST_API_URL = module.api_gateway.api_base_url
    S3_ENDPOINT         = local.platform_config.S3_ENDPOINT
    S3_REGION           = var.region
    MEDIA_BUCKET        = local.bucket_names["media"]
  })

  # Plain keys deliberately left to the code's defaults (tune them through
  # function_config_overrides) or meaningful only in the local cloud. A key a manifest adds must
  # land in platform_config or here: test/unit/infra/oci/oci-terraform.test.ts checks.
  code_default_keys = [
    "CHAT_TOKEN_TTL_SECONDS", "CHECKOUT_HOLD_MINUTES", "DESIGN_WATCHDOG_BATCH", "DESIGN_WATCHDOG_GRACE_SECONDS",
    "DISPATCH_RETRY_AFTER_SECONDS",
    "DOWNLOAD_URL_TTL_SECONDS", "FASTLY_API_BASE", "FASTLY_TIMEOUT_MS", "FFMPEG_PATH", "FFPROBE_PATH",
    "GRANT_TTL_SECONDS", "INDEX_BLOCK_RANGE", "INDEX_MAX_RANGES", "KEEPER_PENDING_AFTER_SECONDS",
    "MASTER_KEY_BASE64", "METRICS_FLUSH_SECONDS", "METRICS_PUSH_URL", "MINT_WAIT_MS",
    "PLAYBACK_TTL_SECONDS", "PLAYBACK_URL_TTL_SECONDS", "POOL_CONTROL_URL",
    "RECONCILE_EVERY_SECONDS", "RECONCILE_REVOCATION_GRACE_SECONDS", "RECONCILE_UNSETTLED_AFTER_SECONDS",
    "REVOCATION_BATCH", "REVOCATION_POLL_MS", "REVOCATION_RESYNC_SECONDS",
    "SESSION_ABSOLUTE_HOURS", "SESSION_IDLE_MINUTES",
    "SETTLE_MAX_LICENSES", "SETTLE_MAX_PRINTS", "SETTLE_RECEIPT_WAIT_MS", "SETTLE_RELEASE_LIMIT",
    "SETTLE_SWEEP_AFTER_SECONDS", "STARTUP_STATUS_URL", "STRIPE_API_BASE", "STRIPE_MAX_NETWORK_RETRIES",
    "STRIPE_PAYMENT_PENDING_HOLD_SECONDS", "STRIPE_RELEASE_BATCH", "STRIPE_RETRY_BASE_SECONDS",
    "STRIPE_RETRY_MAX_ATTEMPTS", "STRIPE_RETRY_MAX_SECONDS", "STRIPE_SWEEP_BATCH", "STRIPE_TIMEOUT_MS",
    "STRIPE_WEBHOOK_TOLERANCE_SECONDS", "TRANSCODE_HEARTBEAT_SECONDS", "TRANSCODE_LEASE_SECONDS",
    "TRANSCODE_LOST_AFTER_SECONDS", "TRANSCODE_MAX_DURATION_SECONDS", "TRANSCODE_PRESET",
    "TRANSCODE_RETRY_BASE_SECONDS", "TRANSCODE_SEGMENT_SECONDS", "TRANSCODE_STALE_SECONDS",
    "TRANSCODE_STALL_SECONDS", "UPLOAD_URL_TTL_SECONDS", "WORKER_ID", "WORK_DIR",
    # The live heartbeat period (live-ingest tells agents; live-watchdog waits 3 of them).
    "LIVE_UPDATE_INTERVAL_SECONDS",
    # The local chat server's (CHAT_BACKEND=local); Google's endpoints and the chat call bound.
    "CHAT_ADMIN_TOKEN", "CHAT_ADMIN_URL", "CHAT_TIMEOUT_MS", "CHAT_WEBSOCKET_URL", "FIRESTORE_API_BASE",
    "GOOGLE_TOKEN_URL",
    # Domain events (issue 17): the local stream's and warehouse's (STREAM_BACKEND=mysql,
    # WAREHOUSE_BACKEND=local), the stand-ins' base URLs, and tuning whose defaults hold on OCI.
    "STREAM_NAME", "STREAM_PARTITIONS", "WAREHOUSE_URL", "WAREHOUSE_TOKEN", "WAREHOUSE_TIMEOUT_MS",
    "BIGQUERY_API_ENDPOINT", "GA4_BASE_URL", "GA4_TIMEOUT_MS",
    "RELAY_BACKOFF_MS", "RELAY_BATCH_SIZE", "RELAY_MAX_BACKOFF_MS", "RELAY_SCAN_WINDOWS",
    "RELAY_GIVE_UP_ATTEMPTS", "RELAY_GIVE_UP_HOURS", "WEBHOOK_ENDPOINT_CONCURRENCY",
    "WAREHOUSE_POLL_MS", "WAREHOUSE_READ_BATCH",
    "WEBHOOK_CONCURRENCY", "WEBHOOK_DISABLE_AFTER_MS", "WEBHOOK_MAX_RESPONSE_BYTES", "WEBHOOK_POLL_MS",
    "WEBHOOK_READ_BATCH", "WEBHOOK_RETENTION_DAYS", "WEBHOOK_RETRY_BASE_MS", "WEBHOOK_RETRY_FOR_MS",
    "WEBHOOK_RETRY_MAX_DELAY_MS", "WEBHOOK_SECRET_OVERLAP_MS", "WEBHOOK_SEND_BATCH", "WEBHOOK_TIMEOUT_MS",
    # false by default: production webhooks reach public HTTPS addresses only.
    "WEBHOOK_ALLOW_PRIVATE_TARGETS",
  ]

  config_values = {
    for key, value in merge(local.platform_config, var.function_config_overrides) : key => value if value != ""
  }

  mysql_url = var.mysql_url != "" ? var.mysql_url : format(
    "mysql://%s:%s@%s:%d/%s",
    urlencode(var.mysql_admin_username), urlencode(var.mysql_admin_password),
    module.database.private_ip, module.database.port, var.mysql_database,
  )

  secret_values = {
    MYSQL_URL                     = local.mysql_url
    S3_SECRET_ACCESS_KEY          = var.s3_access_key_id != "" ? var.s3_secret_access_key : try(module.iam[0].s3_secret_access_key, "")
    CHAIN_RELAYER_KEY             = var.chain_relayer_key
    STRIPE_SECRET_KEY             = var.stripe_secret_key
    STRIPE_WEBHOOK_SECRETS        = var.stripe_webhook_secrets
    FASTLY_API_TOKEN              = var.fastly_api_token
    FASTLY_REVOCATION_API_TOKEN   = var.fastly_revocation_api_token
    EDGE_TOKEN_KEYS               = var.edge_token_keys
    TICKET_CODE_KEY               = var.ticket_code_key
    CDN_LOG_SECRET                = var.cdn_log_secret
    CDN_VIEWER_SALT               = var.cdn_viewer_salt
    FIREBASE_SERVICE_ACCOUNT_JSON = var.firebase_service_account_json
    OIDC_CLIENT_SECRET            = var.oidc_client_secret
    BIGQUERY_SERVICE_ACCOUNT_JSON = var.bigquery_service_account_json
    ANALYTICS_ID_SALT             = var.analytics_id_salt
    # A Vault secret cannot be empty; without GA4 (no measurement id) nothing ever reads it.
    GA4_API_SECRET = var.ga4_api_secret != "" ? var.ga4_api_secret : "ga4-not-configured"
  }

  transcoder = local.catalog.workers.transcoder
  transcoder_environment = merge(
    local.metrics_config,
    { for key in local.transcoder.plainConfigKeys : key => local.config_values[key] if contains(keys(local.config_values), key) },
    { for key in local.transcoder.secretConfigKeys : "${key}_SECRET_OCID" => module.vault.secret_ocids[key] },
  )

  event_rules = {
    for name, rule in local.catalog.eventRules : name => {
      function       = rule.functionName
      bucket         = rule.bucket
      event_types    = rule.condition.eventType
      resource_names = try(rule.condition.data.resourceName, [])
    }
  }
}

data "oci_objectstorage_namespace" "this" {
  compartment_id = var.tenancy_ocid
}

data "oci_identity_availability_domains" "this" {
  compartment_id = var.tenancy_ocid
}

module "network" {
  source                  = "./modules/network"
  compartment_ocid        = var.compartment_ocid
  name_prefix             = var.name_prefix
  vcn_cidr                = var.vcn_cidr
  functions_egress_cidrs  = var.functions_egress_cidrs
  chain_rpc_cidrs         = var.chain_rpc_cidrs
  chain_rpc_port          = var.chain_rpc_port
  workers_internet_egress = var.workers_internet_egress
  live_publisher_cidrs    = var.live_publisher_cidrs
  live_listener_ports     = [local.live_ports.rtmp, local.live_ports.rtmps, local.live_ports.whip]
  live_backend_ports      = [local.live_ports.rtmp_backend, local.live_ports.rtmps_backend, local.live_ports.whip_backend]
  live_ice_ports          = { min = var.live_ice_port_min, max = var.live_ice_port_max }
}

module "vault" {
  source              = "./modules/vault"
  compartment_ocid    = var.compartment_ocid
  name_prefix         = var.name_prefix
  key_protection_mode = var.vault_key_protection_mode
  secret_keys         = local.catalog.secretKeys
  secret_values       = local.secret_values
  db_admin_password   = var.mysql_admin_password
}

module "storage" {
  source               = "./modules/storage"
  compartment_ocid     = var.compartment_ocid
  name_prefix          = var.name_prefix
  namespace            = local.namespace
  buckets              = local.catalog.buckets
  kms_key_id           = module.vault.master_key_id
  upload_expiry_days   = var.upload_expiry_days
  abort_multipart_days = var.abort_multipart_days
  media_par_expires    = var.media_par_expires
}

module "queue" {
  source                      = "./modules/queue"
  compartment_ocid            = var.compartment_ocid
  name_prefix                 = var.name_prefix
  queues                      = local.catalog.queues
  dead_letter_delivery_counts = { transcode = var.transcode_max_attempts }
  retention_seconds           = var.queue_retention_seconds
  visibility_seconds          = var.queue_visibility_seconds
  stream_partitions           = var.stream_partitions
  stream_retention_hours      = var.stream_retention_hours
}

module "database" {
  source                = "./modules/database"
  compartment_ocid      = var.compartment_ocid
  name_prefix           = var.name_prefix
  availability_domain   = local.ads[0]
  subnet_id             = module.network.database_subnet_id
  nsg_id                = module.network.database_nsg_id
  shape_name            = var.mysql_shape
  storage_gbs           = var.mysql_storage_gbs
  admin_username        = var.mysql_admin_username
  admin_password        = var.mysql_admin_password
  highly_available      = var.mysql_highly_available
  backup_retention_days = var.mysql_backup_retention_days
  delete_protected      = var.mysql_delete_protected
}

module "functions" {
  source             = "./modules/functions"
  compartment_ocid   = var.compartment_ocid
  name_prefix        = var.name_prefix
  subnet_id          = module.network.app_subnet_id
  nsg_id             = module.network.functions_nsg_id
  shape              = var.functions_shape
  image              = var.function_image
  functions          = local.catalog.functions
  config_values      = local.config_values
  secret_ocids       = module.vault.secret_ocids
  application_config = local.metrics_config
}

module "api_gateway" {
  source                 = "./modules/api_gateway"
  compartment_ocid       = var.compartment_ocid
  name_prefix            = var.name_prefix
  subnet_id              = module.network.public_subnet_id
  nsg_id                 = module.network.gateway_nsg_id
  path_prefix            = local.catalog.apiPathPrefix
  routes                 = local.catalog.routes
  root_deployments       = local.catalog.rootDeployments
  function_ids           = module.functions.function_ids
  authorizer_function_id = module.functions.function_ids[local.catalog.authorizer]
  rate_limit_per_second  = var.api_rate_limit_per_second
  cors_allowed_origins   = var.cors_allowed_origins
  auth_context_headers   = local.catalog.authContextHeaders
}

module "events" {
  source                  = "./modules/events"
  compartment_ocid        = var.compartment_ocid
  name_prefix             = var.name_prefix
  event_rules             = local.event_rules
  topics                  = local.catalog.topics
  bucket_names            = local.bucket_names
  function_ids            = module.functions.function_ids
  domain_events_stream_id = module.queue.domain_events_stream_id
}

module "schedules" {
  source           = "./modules/schedules"
  compartment_ocid = var.compartment_ocid
  name_prefix      = var.name_prefix
  schedules        = local.catalog.schedules
  function_ids     = module.functions.function_ids
}

module "transcoder_pool" {
  source                    = "./modules/transcoder_pool"
  compartment_ocid          = var.compartment_ocid
  name_prefix               = var.name_prefix
  availability_domains      = local.ads
  subnet_id                 = module.network.workers_subnet_id
  nsg_id                    = module.network.workers_nsg_id
  image                     = var.transcoder_image
  pool_min                  = var.pool_min
  pool_max                  = var.pool_max
  ocpus                     = var.transcoder_ocpus
  memory_gbs                = var.transcoder_memory_gbs
  environment               = local.transcoder_environment
  graceful_shutdown_seconds = var.transcoder_graceful_shutdown_seconds
  shutdown_grace_seconds    = var.transcoder_shutdown_grace_seconds
  transcode_queue_id        = module.queue.queue_ids["transcode"]
  backlog_topic_id          = module.events.topic_ids["transcode-backlog"]
  backlog_threshold         = var.transcode_backlog_threshold
}

# The live ingest pool's own compartment: container instances there match only the live dynamic
# group (the transcoders' matches the platform compartment), and its alarm counts only them.
resource "oci_identity_compartment" "live" {
  count          = var.create_iam && var.live_compartment_ocid == "" ? 1 : 0
  provider       = oci.home
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-live"
  description    = "forgecast live ingest pool (RTMP/RTMPS/WHIP ingest instances and their load balancer)"
  enable_delete  = true
}

module "live_ingest" {
  source                    = "./modules/live_ingest"
  compartment_ocid          = local.live_compartment
  secrets_compartment_ocid  = var.compartment_ocid
  alarm_compartment_ocid    = var.compartment_ocid
  metrics_compartment_ocid  = var.compartment_ocid
  name_prefix               = var.name_prefix
  availability_domains      = local.ads
  subnet_id                 = module.network.live_subnet_id
  nsg_id                    = module.network.live_ingest_nsg_id
  nlb_nsg_id                = module.network.live_nlb_nsg_id
  image                     = var.live_ingest_image
  pool_size                 = var.live_pool_size
  ocpus                     = var.live_ocpus
  memory_gbs                = var.live_memory_gbs
  environment               = local.live_ingest_environment
  ports                     = local.live_ports
  ice_ports                 = { min = var.live_ice_port_min, max = var.live_ice_port_max }
  drain_seconds             = var.live_drain_seconds
  graceful_shutdown_seconds = var.live_graceful_shutdown_seconds
  dns_zone_name             = var.live_dns_zone_name
  dns_compartment_ocid      = var.live_dns_compartment_ocid != "" ? var.live_dns_compartment_ocid : var.compartment_ocid
  host_prefix               = var.live_host_prefix
  vault_id                  = module.vault.vault_id
  master_key_id             = module.vault.master_key_id
  api_key                   = var.live_ingest_api_key
  tls_certificate_pem       = var.live_tls_certificate_pem
  tls_private_key_pem       = var.live_tls_private_key_pem
  s3_access_key_id          = var.live_s3_access_key_id != "" ? var.live_s3_access_key_id : try(module.iam[0].live_s3_access_key_id, "")
  s3_secret_access_key      = var.live_s3_access_key_id != "" ? var.live_s3_secret_access_key : try(module.iam[0].live_s3_secret_access_key, "")
  metrics_namespace         = var.metrics_namespace
  lag_threshold_seconds     = var.live_playlist_lag_threshold_seconds
  operators_topic_id        = module.observability.operators_topic_id
}

module "iam" {
  source    = "./modules/iam"
  count     = var.create_iam ? 1 : 0
  providers = { oci = oci.home }

  tenancy_ocid            = var.tenancy_ocid
  compartment_ocid        = var.compartment_ocid
  name_prefix             = var.name_prefix
  region                  = var.region
  functions               = local.catalog.functions
  function_ids            = module.functions.function_ids
  worker_secret_keys      = local.transcoder.secretConfigKeys
  worker_queues           = ["transcode"]
  secret_ocids            = module.vault.secret_ocids
  master_key_id           = module.vault.master_key_id
  queue_ids               = module.queue.queue_ids
  bucket_names            = local.bucket_names
  domain_events_stream_id = module.queue.domain_events_stream_id
  metrics_namespace       = var.metrics_namespace
  schedule_ids            = values(module.schedules.schedule_ids)
  ocir_compartment_ocid   = var.ocir_compartment_ocid == "" ? var.tenancy_ocid : var.ocir_compartment_ocid
  create_s3_user          = var.s3_access_key_id == ""
  live_compartment_ocid   = local.live_compartment
  live_secret_ids = [
    module.live_ingest.api_key_secret_id,
    module.live_ingest.s3_secret_id,
    module.live_ingest.tls_certificate_secret_id,
    module.live_ingest.tls_private_key_secret_id,
  ]
  create_live_s3_user = var.live_s3_access_key_id == ""
}

module "observability" {
  source                = "./modules/observability"
  compartment_ocid      = var.compartment_ocid
  name_prefix           = var.name_prefix
  application_id        = module.functions.application_id
  api_deployment_ids    = merge({ api = module.api_gateway.api_deployment_id }, module.api_gateway.root_deployment_ids)
  function_names        = keys(local.catalog.functions)
  queue_ids             = module.queue.queue_ids
  event_rule_ids        = module.events.rule_ids
  gateway_id            = module.api_gateway.gateway_id
  metrics_namespace     = var.metrics_namespace
  operator_email        = var.operator_email
  error_ratio_threshold = var.error_ratio_threshold
  outbox_lag_seconds    = var.outbox_lag_alarm_seconds
  log_retention_days    = var.log_retention_days
}

# Reach the DB system (port forwarding) without any public endpoint.
resource "oci_bastion_bastion" "this" {
  count                        = length(var.bastion_client_cidrs) > 0 ? 1 : 0
  compartment_id               = var.compartment_ocid
  bastion_type                 = "STANDARD"
  name                         = "${replace(var.name_prefix, "-", "")}bastion"
  target_subnet_id             = module.network.management_subnet_id
  client_cidr_block_allow_list = var.bastion_client_cidrs
  max_session_ttl_in_seconds   = 10800
}

check "secrets_and_keys" {
  assert {
    condition     = var.create_iam || (var.s3_access_key_id != "" && var.s3_secret_access_key != "")
    error_message = "Without create_iam, set s3_access_key_id and s3_secret_access_key (a Customer Secret Key of a user limited to the forgecast buckets)."
  }
  assert {
    condition     = length(setintersection(keys(var.function_config_overrides), local.catalog.secretKeys)) == 0
    error_message = "function_config_overrides must not carry secret keys: those go through Vault."
  }
  assert {
    condition     = var.live_pool_size == 0 || (local.live_compartment != "" && local.live_compartment != var.compartment_ocid)
    error_message = "The live ingest pool needs its own compartment (live_compartment_ocid, or create_iam to create one): in the platform compartment the transcoders' dynamic group would match its instances."
  }
  assert {
    condition     = var.live_pool_size == 0 || (var.live_ingest_image != "" && var.live_dns_zone_name != "")
    error_message = "live_pool_size > 0 needs live_ingest_image and live_dns_zone_name."
  }
  assert {
    condition     = var.live_ice_port_min <= var.live_ice_port_max
    error_message = "live_ice_port_min must not exceed live_ice_port_max."
  }
  assert {
    condition     = length(distinct(values(module.queue.messages_endpoints))) == 1
    error_message = "The queues got different messages endpoints; QUEUE_MESSAGES_ENDPOINT is one per function, so set it per function through function_config_overrides."
  }
}

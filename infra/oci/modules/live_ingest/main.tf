terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# The live ingest pool: pool_size CI.Standard.A1.Flex container instances running the
# live-ingest image (nginx-rtmp + the Node agent + one ffmpeg ladder per stream), in their own
# compartment, subnet and NSG, behind a public Network Load Balancer that passes TCP through with
# the publishers' addresses preserved. RTMPS terminates on the instance, not on the NLB.
#
# WHIP media is UDP and cannot follow a TCP load balancer's choice of instance. Design: every
# instance has a public IP and a DNS name (<host_prefix>-<i>.<zone>), which it gets as
# LIVE_PUBLIC_HOST and advertises (resolved) in its ICE candidates; WHIP signalling arrives
# through the NLB at whichever instance, and that instance's answer points the browser's media
# straight at itself. A name rather than the address, because the address is only known once
# the instance exists while its environment must be fixed before (docs/live.md, "WHIP on OCI").

locals {
  hosts = [for i in range(var.pool_size) : "${var.host_prefix}-${i}.${var.dns_zone_name}"]
  # The NLB's address in DNS: what creators are given as ingest URLs.
  ingest_host = "${var.host_prefix}.${var.dns_zone_name}"

  listeners = {
    rtmp  = { port = var.ports.rtmp, backend_port = var.ports.rtmp_backend }
    rtmps = { port = var.ports.rtmps, backend_port = var.ports.rtmps_backend }
    whip  = { port = var.ports.whip, backend_port = var.ports.whip_backend }
  }
  backends = merge([
    for name, listener in local.listeners : {
      for i in range(var.pool_size) : "${name}-${i}" => { set = name, member = i, port = listener.backend_port }
    }
  ]...)
}

# --- Secrets the agent reads at start through its resource principal (<KEY>_SECRET_OCID): the
# machine API key (scope live:ingest) and the secret half of its own object-storage key.
resource "oci_vault_secret" "api_key" {
  compartment_id = var.secrets_compartment_ocid
  vault_id       = var.vault_id
  key_id         = var.master_key_id
  secret_name    = "${var.name_prefix}-live-ingest-api-key"
  description    = "forgecast live ingest agent LIVE_INGEST_API_KEY (scope live:ingest)"
  secret_content {
    content_type = "BASE64"
    content      = base64encode(var.api_key)
  }
  lifecycle {
    precondition {
      condition     = var.pool_size == 0 || length(var.api_key) > 0
      error_message = "live_ingest_api_key is empty: mint an API key with scope live:ingest (POST /v1/api-keys as an admin) and pass it."
    }
  }
}

# The ingest hosts' certificate and key (RTMPS and WHIP over HTTPS), read at start like the key.
resource "oci_vault_secret" "tls_certificate" {
  compartment_id = var.secrets_compartment_ocid
  vault_id       = var.vault_id
  key_id         = var.master_key_id
  secret_name    = "${var.name_prefix}-live-ingest-tls-certificate"
  description    = "forgecast live ingest LIVE_TLS_CERT_PEM (RTMPS and WHIP over HTTPS)"
  secret_content {
    content_type = "BASE64"
    content      = base64encode(var.tls_certificate_pem)
  }
  lifecycle {
    precondition {
      condition     = var.pool_size == 0 || (strcontains(var.tls_certificate_pem, "BEGIN CERTIFICATE") && strcontains(var.tls_private_key_pem, "PRIVATE KEY"))
      error_message = "live_tls_certificate_pem and live_tls_private_key_pem are needed for a live pool: WHIP is served over HTTPS and RTMPS ends on the instances."
    }
  }
}

resource "oci_vault_secret" "tls_private_key" {
  compartment_id = var.secrets_compartment_ocid
  vault_id       = var.vault_id
  key_id         = var.master_key_id
  secret_name    = "${var.name_prefix}-live-ingest-tls-key"
  description    = "forgecast live ingest LIVE_TLS_KEY_PEM"
  secret_content {
    content_type = "BASE64"
    content      = base64encode(var.tls_private_key_pem)
  }
}

resource "oci_vault_secret" "s3_secret" {
  compartment_id = var.secrets_compartment_ocid
  vault_id       = var.vault_id
  key_id         = var.master_key_id
  secret_name    = "${var.name_prefix}-live-ingest-s3-secret"
  description    = "forgecast live ingest agent S3_SECRET_ACCESS_KEY (its own object user: the media bucket, no deletes)"
  secret_content {
    content_type = "BASE64"
    content      = base64encode(var.s3_secret_access_key)
  }
  lifecycle {
    precondition {
      condition     = var.pool_size == 0 || length(var.s3_secret_access_key) > 0
      error_message = "The live ingest object key is missing: set create_iam, or live_s3_access_key_id and live_s3_secret_access_key."
    }
  }
}

resource "oci_container_instances_container_instance" "ingest" {
  count                    = var.pool_size
  compartment_id           = var.compartment_ocid
  availability_domain      = var.availability_domains[count.index % length(var.availability_domains)]
  display_name             = "${var.name_prefix}-live-ingest-${count.index}"
  shape                    = "CI.Standard.A1.Flex"
  container_restart_policy = "ALWAYS"
  # SIGTERM drains (publishers are told to reconnect, the last segments and playlists go up),
  # SIGKILL after this long; a killed agent's streams end in `reconnecting` through the watchdog.
  graceful_shutdown_timeout_in_seconds = var.graceful_shutdown_seconds
  freeform_tags                        = { "forgecast-pool" = "live-ingest" }

  shape_config {
    ocpus         = var.ocpus
    memory_in_gbs = var.memory_gbs
  }

  vnics {
    subnet_id = var.subnet_id
    nsg_ids   = [var.nsg_id]
    # The address WHIP media is sent to (named in DNS below, advertised in ICE by the agent).
    is_public_ip_assigned = true
    display_name          = "${var.name_prefix}-live-ingest-${count.index}"
  }

  containers {
    display_name = "live-ingest"
    image_url    = var.image
    environment_variables = merge(var.environment, {
      WORKER_ID                        = "${var.name_prefix}-live-ingest-${count.index}"
      WORK_DIR                         = "/scratch"
      LIVE_RTMP_PORT                   = tostring(var.ports.rtmp_backend)
      LIVE_RTMPS_PORT                  = tostring(var.ports.rtmps_backend)
      LIVE_WHIP_PORT                   = tostring(var.ports.whip_backend)
      LIVE_PUBLIC_HOST                 = local.hosts[count.index]
      LIVE_ICE_PORT_MIN                = tostring(var.ice_ports.min)
      LIVE_ICE_PORT_MAX                = tostring(var.ice_ports.max)
      LIVE_DRAIN_SECONDS               = tostring(var.drain_seconds)
      LIVE_INGEST_API_KEY_SECRET_OCID  = oci_vault_secret.api_key.id
      S3_ACCESS_KEY_ID                 = var.s3_access_key_id
      S3_SECRET_ACCESS_KEY_SECRET_OCID = oci_vault_secret.s3_secret.id
      LIVE_TLS_CERT_PEM_SECRET_OCID    = oci_vault_secret.tls_certificate.id
      LIVE_TLS_KEY_PEM_SECRET_OCID     = oci_vault_secret.tls_private_key.id
    })
    # Resource principal: its four secrets and the metrics namespace, nothing else (modules/iam).
    is_resource_principal_disabled = false
    volume_mounts {
      volume_name = "scratch"
      mount_path  = "/scratch"
    }
  }

  # nginx's config and the ladder's local segments before upload: gone with the instance.
  volumes {
    name          = "scratch"
    volume_type   = "EMPTYDIR"
    backing_store = "EPHEMERAL_STORAGE"
  }

  lifecycle {
    precondition {
      condition     = var.graceful_shutdown_seconds > var.drain_seconds
      error_message = "live_graceful_shutdown_seconds must exceed the agent's LIVE_DRAIN_SECONDS, or a draining agent is killed before its last segments are up."
    }
    precondition {
      condition     = var.dns_zone_name != ""
      error_message = "live_dns_zone_name is empty: each ingest instance needs a DNS name for its public IP (WHIP media)."
    }
  }
}

# Each instance's VNIC: its private address (NLB backend) and public address (DNS, ICE).
data "oci_core_vnic" "ingest" {
  count   = var.pool_size
  vnic_id = oci_container_instances_container_instance.ingest[count.index].vnics[0].vnic_id
}

data "oci_dns_zones" "live" {
  count          = var.pool_size > 0 ? 1 : 0
  compartment_id = var.dns_compartment_ocid
  name           = var.dns_zone_name
}

resource "oci_dns_rrset" "instance" {
  count           = var.pool_size
  zone_name_or_id = data.oci_dns_zones.live[0].zones[0].id
  domain          = local.hosts[count.index]
  rtype           = "A"
  items {
    domain = local.hosts[count.index]
    rtype  = "A"
    rdata  = data.oci_core_vnic.ingest[count.index].public_ip_address
    ttl    = 60
  }
}

resource "oci_dns_rrset" "ingest" {
  count           = var.pool_size > 0 ? 1 : 0
  zone_name_or_id = data.oci_dns_zones.live[0].zones[0].id
  domain          = local.ingest_host
  rtype           = "A"
  items {
    domain = local.ingest_host
    rtype  = "A"
    rdata  = oci_core_public_ip.nlb.ip_address
    ttl    = 300
  }
}

# --- The public Network Load Balancer. A reserved address, so that the ingest URLs creators
# paste into OBS survive re-creating the NLB.
resource "oci_core_public_ip" "nlb" {
  compartment_id = var.compartment_ocid
  lifetime       = "RESERVED"
  display_name   = "${var.name_prefix}-live-ingest"
  lifecycle {
    # The NLB attaches it.
    ignore_changes = [private_ip_id]
  }
}

resource "oci_network_load_balancer_network_load_balancer" "ingest" {
  compartment_id                 = var.compartment_ocid
  display_name                   = "${var.name_prefix}-live-ingest"
  subnet_id                      = var.subnet_id
  network_security_group_ids     = [var.nlb_nsg_id]
  is_private                     = false
  is_preserve_source_destination = false
  reserved_ips {
    id = oci_core_public_ip.nlb.id
  }
}

# One backend set per protocol; a stream stays on the instance its TCP connection landed on.
# is_preserve_source: the instance sees the publisher's address (on_publish's clientIp, logs,
# per-address limits) instead of the NLB's.
resource "oci_network_load_balancer_backend_set" "ingest" {
  for_each                 = local.listeners
  network_load_balancer_id = oci_network_load_balancer_network_load_balancer.ingest.id
  name                     = each.key
  policy                   = "FIVE_TUPLE"
  is_preserve_source       = true
  health_checker {
    # nginx's RTMP port answers as long as the agent's nginx runs; a draining agent closes it.
    protocol           = "TCP"
    port               = var.ports.rtmp_backend
    interval_in_millis = 10000
    timeout_in_millis  = 3000
    retries            = 3
  }
}

resource "oci_network_load_balancer_backend" "ingest" {
  for_each                 = local.backends
  network_load_balancer_id = oci_network_load_balancer_network_load_balancer.ingest.id
  backend_set_name         = oci_network_load_balancer_backend_set.ingest[each.value.set].name
  ip_address               = data.oci_core_vnic.ingest[each.value.member].private_ip_address
  port                     = each.value.port
  weight                   = 1
}

resource "oci_network_load_balancer_listener" "ingest" {
  for_each                 = local.listeners
  network_load_balancer_id = oci_network_load_balancer_network_load_balancer.ingest.id
  name                     = each.key
  default_backend_set_name = oci_network_load_balancer_backend_set.ingest[each.key].name
  port                     = each.value.port
  protocol                 = "TCP"
}

# --- Alarms. The agent posts live_playlist_lag_ms (a histogram: how far each playlist it uploads trails the
# publisher's live edge) to the platform's metrics namespace; the ladder falling behind real
# time under load shows there first (measured: 1.1 → 5.5 s with a busy neighbour).
resource "oci_monitoring_alarm" "playlist_lag" {
  compartment_id        = var.alarm_compartment_ocid
  metric_compartment_id = var.metrics_compartment_ocid
  display_name          = "${var.name_prefix}-live-playlist-lag"
  is_enabled            = true
  namespace             = var.metrics_namespace
  query                 = "live_playlist_lag_ms[1m].max() > ${var.lag_threshold_seconds * 1000}"
  severity              = "CRITICAL"
  pending_duration      = "PT2M"
  destinations          = [var.operators_topic_id]
  message_format        = "ONS_OPTIMIZED"
  body                  = "A live playlist has trailed its publisher by more than ${var.lag_threshold_seconds} s for 2 minutes: an ingest instance is overloaded (viewers stall). Add live ingest capacity or lower the ladder."
}

# Running instances, from the Container Instances service's own metric (namespace
# oci_computecontainerinstance, CpuUtilization per instance, dimension resourceId; documented at
# https://docs.oracle.com/iaas/Content/container-instances/container-instance-metrics.htm). The
# pool has its own compartment, so the compartment's data points are the pool's. ASSUMED (check
# on first apply, infra/oci/README.md): one data point per instance per minute, so a minute's
# count is the number of instances reporting.
resource "oci_monitoring_alarm" "instances_low" {
  count                 = var.pool_size > 0 ? 1 : 0
  compartment_id        = var.alarm_compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-live-ingest-instances"
  is_enabled            = true
  namespace             = "oci_computecontainerinstance"
  query                 = "CpuUtilization[1m].grouping().count() < ${var.pool_size}"
  severity              = "CRITICAL"
  pending_duration      = "PT5M"
  destinations          = [var.operators_topic_id]
  message_format        = "ONS_OPTIMIZED"
  body                  = "Fewer than ${var.pool_size} live ingest instances are reporting: publishers on a missing instance are cut, new ones land on the rest."
}

# Nothing reports at all (the count above has no data then, which never fires).
resource "oci_monitoring_alarm" "instances_absent" {
  count                 = var.pool_size > 0 ? 1 : 0
  compartment_id        = var.alarm_compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-live-ingest-down"
  is_enabled            = true
  namespace             = "oci_computecontainerinstance"
  query                 = "CpuUtilization[1m].grouping().absent()"
  severity              = "CRITICAL"
  pending_duration      = "PT5M"
  destinations          = [var.operators_topic_id]
  message_format        = "ONS_OPTIMIZED"
  body                  = "No live ingest instance has reported for 5 minutes: live publishing is down."
}

terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# The transcoder pool: pool_max container instances that the transcoder-scaler only starts and
# stops (shared/pool/), found by the freeform tag forgecast-pool=transcoder. Terraform creates
# them and then leaves their power state alone.

resource "oci_container_instances_container_instance" "member" {
  count                                = var.pool_max
  compartment_id                       = var.compartment_ocid
  availability_domain                  = var.availability_domains[count.index % length(var.availability_domains)]
  display_name                         = "${var.name_prefix}-transcoder-${count.index}"
  shape                                = "CI.Standard.A1.Flex"
  container_restart_policy             = "ALWAYS"
  graceful_shutdown_timeout_in_seconds = var.graceful_shutdown_seconds
  freeform_tags                        = { "forgecast-pool" = "transcoder" }
  # Members below pool_min start running; the rest wait for the scaler.
  state = count.index < var.pool_min ? "ACTIVE" : "INACTIVE"

  shape_config {
    ocpus         = var.ocpus
    memory_in_gbs = var.memory_gbs
  }

  vnics {
    subnet_id             = var.subnet_id
    nsg_ids               = [var.nsg_id]
    is_public_ip_assigned = false
    display_name          = "${var.name_prefix}-transcoder-${count.index}"
  }

  containers {
    display_name = "transcoder"
    image_url    = var.image
    environment_variables = merge(var.environment, {
      WORKER_ID = "${var.name_prefix}-transcoder-${count.index}"
      WORK_DIR  = "/scratch"
    })
    # Resource principals: Vault secrets, Queue, Monitoring.
    is_resource_principal_disabled = false
    volume_mounts {
      volume_name = "scratch"
      mount_path  = "/scratch"
    }
  }

  volumes {
    name          = "scratch"
    volume_type   = "EMPTYDIR"
    backing_store = "EPHEMERAL_STORAGE"
  }

  lifecycle {
    # The scaler owns the power state.
    ignore_changes = [state]
    precondition {
      condition     = var.graceful_shutdown_seconds > var.shutdown_grace_seconds
      error_message = "graceful_shutdown_seconds must exceed the worker's SHUTDOWN_GRACE_SECONDS, or a stopping worker is killed mid-release."
    }
    precondition {
      condition     = var.pool_min <= var.pool_max
      error_message = "pool_min must not exceed pool_max."
    }
  }
}

# Queue depth: namespace oci_queue, metric MessagesInQueueCount, per the Queue service's metrics
# page (docs.oracle.com/iaas/Content/queue/metrics.htm). The dimension names (resourceId,
# queueType = Main | DeadLetterQueue) are from that page as read while writing this; check them
# in Metrics Explorer if the alarm never fires. The body is only a wake-up: the scaler re-reads
# the queue's stats itself.
resource "oci_monitoring_alarm" "backlog" {
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-transcode-backlog"
  is_enabled            = true
  namespace             = "oci_queue"
  query                 = "MessagesInQueueCount[1m]{resourceId = \"${var.transcode_queue_id}\", queueType = \"Main\"}.max() > ${var.backlog_threshold}"
  severity              = "INFO"
  pending_duration      = "PT1M"
  destinations          = [var.backlog_topic_id]
  # While the backlog lasts, wake the scaler again every few minutes (its schedule is the floor).
  repeat_notification_duration = "PT5M"
  # RAW: the subscribed function receives the alarm message as JSON (functions/transcoder-scaler/trigger.ts).
  message_format               = "RAW"
  body                         = "Transcode jobs are waiting; transcoder-scaler re-evaluates the pool."
}

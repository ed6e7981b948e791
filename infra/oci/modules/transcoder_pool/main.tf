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
  count                    = var.pool_max
  compartment_id           = var.compartment_ocid
  availability_domain      = var.availability_domains[count.index % length(var.availability_domains)]
  display_name             = "${var.name_prefix}-transcoder-${count.index}"
  shape                    = "CI.Standard.A1.Flex"
  container_restart_policy = "ALWAYS"
  # SIGTERM first, SIGKILL after this long; the worker needs SHUTDOWN_GRACE_SECONDS plus the
  # time to release its lease (argument per the provider's oci_container_instances_container_instance docs).
  graceful_shutdown_timeout_in_seconds = var.graceful_shutdown_seconds
  freeform_tags                        = { "forgecast-pool" = "transcoder" }
  # Members below pool_min start running; the rest wait for the scaler. `state` (ACTIVE |
  # INACTIVE) is an updatable argument of the resource in the provider docs.
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

  # EMPTYDIR on EPHEMERAL_STORAGE (the other backing store is MEMORY): scratch space that goes
  # away with the instance.
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

# Queue depth. Verified: the Queue service publishes `MessagesInQueueCount` in namespace
# `oci_queue` (https://docs.oracle.com/iaas/Content/queue/metrics.htm). Assumed: the queue OCID
# is the `resourceId` dimension, as for other OCI service metrics. Not verified: which other
# dimensions split the count (main vs dead-letter queue, visible vs in flight). The query filters
# on resourceId alone and takes the largest stream (`grouping().max()`, MQL syntax per
# https://docs.oracle.com/iaas/Content/Monitoring/Tasks/query-metric-dimension.htm): it may fire
# for in-flight or dead-lettered messages too, which only wakes the scaler needlessly (it re-reads
# the queue's stats itself), whereas a filter on a wrong dimension name would never fire.
resource "oci_monitoring_alarm" "backlog" {
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-transcode-backlog"
  is_enabled            = true
  namespace             = "oci_queue"
  query                 = "MessagesInQueueCount[1m]{resourceId = \"${var.transcode_queue_id}\"}.grouping().max() > ${var.backlog_threshold}"
  severity              = "INFO"
  pending_duration      = "PT1M"
  destinations          = [var.backlog_topic_id]
  # While the backlog lasts, wake the scaler again every few minutes (its schedule is the floor).
  repeat_notification_duration = "PT5M"
  # RAW: the subscribed function receives the alarm message as JSON (functions/transcoder-scaler/trigger.ts).
  message_format = "RAW"
  body           = "Transcode jobs are waiting; transcoder-scaler re-evaluates the pool."
}

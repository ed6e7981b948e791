terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# Work queues (OCI Queue) with their dead-letter counts, and the Streaming pool and stream for
# domain events. Both are encrypted at rest with Oracle-managed keys; messages carry ids, not
# secrets or design data.

resource "oci_queue_queue" "this" {
  for_each                         = var.queues
  compartment_id                   = var.compartment_ocid
  display_name                     = "${var.name_prefix}-${each.key}"
  dead_letter_queue_delivery_count = lookup(var.dead_letter_delivery_counts, each.key, each.value.deadLetterDeliveryCount)
  retention_in_seconds             = var.retention_seconds
  visibility_in_seconds            = var.visibility_seconds
  timeout_in_seconds               = 20
  freeform_tags                    = { "forgecast-queue" = each.key }
}

resource "oci_streaming_stream_pool" "this" {
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-events"
}

resource "oci_streaming_stream" "domain_events" {
  name               = "${var.name_prefix}-domain-events"
  stream_pool_id     = oci_streaming_stream_pool.this.id
  partitions         = var.stream_partitions
  retention_in_hours = var.stream_retention_hours
}

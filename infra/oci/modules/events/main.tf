terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# Object events to functions (rules derived from the manifests by events/rules.ts), and the
# Notifications topics functions subscribe to. The condition is the catalog's, with the
# logical bucket name replaced by the real one.

resource "oci_events_rule" "function" {
  for_each       = var.event_rules
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-${each.key}"
  is_enabled     = true
  condition = jsonencode({
    eventType = each.value.event_types
    data = merge(
      { additionalDetails = { bucketName = [var.bucket_names[each.value.bucket]] } },
      length(each.value.resource_names) > 0 ? { resourceName = each.value.resource_names } : {},
    )
  })

  # action_type FAAS (function_id) and OSS (stream_id) per the provider's oci_events_rule docs;
  # the service principal cloudEvents needs the grants in modules/iam.
  actions {
    actions {
      action_type = "FAAS"
      is_enabled  = true
      function_id = var.function_ids[each.value.function]
      description = "Deliver to ${each.value.function}"
    }
  }
}

# Every object event of our buckets, also into the domain-events stream: a replayable record of
# what arrived, independent of whether a function was listening.
resource "oci_events_rule" "objects_to_stream" {
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-object-events-to-stream"
  is_enabled     = true
  condition = jsonencode({
    eventType = [
      "com.oraclecloud.objectstorage.createobject",
      "com.oraclecloud.objectstorage.updateobject",
      "com.oraclecloud.objectstorage.deleteobject",
    ]
    data = { additionalDetails = { bucketName = values(var.bucket_names) } }
  })

  actions {
    actions {
      action_type = "OSS"
      is_enabled  = true
      stream_id   = var.domain_events_stream_id
      description = "Object events into the domain events stream"
    }
  }
}

resource "oci_ons_notification_topic" "this" {
  for_each       = var.topics
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-${each.key}"
  description    = "Wakes ${join(", ", each.value.subscribers)}"
}

# No service grant: Notifications invokes the function on behalf of the subscription, and the
# principal creating an ORACLE_FUNCTIONS subscription needs FN_INVOCATION on the function
# (`use fn-invocation`, "Creating a Function Subscription",
# https://docs.oracle.com/iaas/Content/Notification/Tasks/create-subscription-function.htm).
resource "oci_ons_subscription" "function" {
  for_each = merge([
    for topic, entry in var.topics : {
      for subscriber in entry.subscribers : "${topic}/${subscriber}" => { topic = topic, function = subscriber }
    }
  ]...)
  compartment_id = var.compartment_ocid
  topic_id       = oci_ons_notification_topic.this[each.value.topic].id
  protocol       = "ORACLE_FUNCTIONS"
  endpoint       = var.function_ids[each.value.function]
}

terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# Logs (function invocations, gateway access and execution, Events rule execution) and alarms on
# what the code emits (namespace forgecast, dimension function), on the queues' dead letters and on
# object events the Events service could not deliver.

resource "oci_logging_log_group" "this" {
  compartment_id = var.compartment_ocid
  display_name   = var.name_prefix
  description    = "forgecast function and gateway logs"
}

# Service logs: Functions category "invoke" on the application, API Gateway categories "access"
# and "execution" on each deployment (Logging's supported-services list).
resource "oci_logging_log" "function_invocations" {
  display_name       = "${var.name_prefix}-functions-invoke"
  log_group_id       = oci_logging_log_group.this.id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.log_retention_days
  configuration {
    compartment_id = var.compartment_ocid
    source {
      category    = "invoke"
      resource    = var.application_id
      service     = "functions"
      source_type = "OCISERVICE"
    }
  }
}

resource "oci_logging_log" "gateway" {
  for_each = merge([
    for key, id in var.api_deployment_ids : {
      "${key}-access"    = { deployment = id, category = "access" }
      "${key}-execution" = { deployment = id, category = "execution" }
    }
  ]...)
  display_name       = "${var.name_prefix}-gateway-${each.key}"
  log_group_id       = oci_logging_log_group.this.id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.log_retention_days
  configuration {
    compartment_id = var.compartment_ocid
    source {
      category    = each.value.category
      resource    = each.value.deployment
      service     = "apigateway"
      source_type = "OCISERVICE"
    }
  }
}

resource "oci_ons_notification_topic" "operators" {
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-operators"
  description    = "forgecast alarms for operators"
}

resource "oci_ons_subscription" "operator_email" {
  count          = var.operator_email == "" ? 0 : 1
  compartment_id = var.compartment_ocid
  topic_id       = oci_ons_notification_topic.operators.id
  protocol       = "EMAIL"
  endpoint       = var.operator_email
}

# errors and requests are what every function process posts (shared/metrics): 5xx answers and
# failed invocations over all calls.
resource "oci_monitoring_alarm" "function_errors" {
  for_each              = toset(var.function_names)
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-${each.key}-error-ratio"
  is_enabled            = true
  namespace             = var.metrics_namespace
  query                 = "(errors[5m]{function = \"${each.key}\"}.sum() / requests[5m]{function = \"${each.key}\"}.sum()) > ${var.error_ratio_threshold}"
  severity              = "CRITICAL"
  pending_duration      = "PT5M"
  destinations          = [oci_ons_notification_topic.operators.id]
  message_format        = "ONS_OPTIMIZED"
  body                  = "More than ${var.error_ratio_threshold * 100}% of ${each.key}'s calls failed over 5 minutes. Logs: log group ${var.name_prefix}."
}

# A dead letter is a job that failed every delivery: always worth a look. Queues named in
# advisory_queues get no alarm: their messages only hurry work that a sweep does anyway (the
# settlement queue's nudges; the settler also acknowledges them on receipt), so a dead letter
# there is expected after a crash loop and must not page anyone. The settler's own error-ratio
# alarm still fires if it keeps failing.
# UNVERIFIED: `queueType = "DeadLetterQueue"` is a guess at how oci_queue's MessagesInQueueCount
# separates the dead-letter queue (the metric and namespace are documented at
# https://docs.oracle.com/iaas/Content/queue/metrics.htm, this dimension was not found). If
# Metrics Explorer shows another dimension, fix the filter: with a wrong name the alarm never fires.
# `oci queue messages get-stats --queue-id <id>` shows the dead-letter count meanwhile.
resource "oci_monitoring_alarm" "dead_letters" {
  for_each              = { for name, id in var.queue_ids : name => id if !contains(var.advisory_queues, name) }
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-${each.key}-dead-letters"
  is_enabled            = true
  namespace             = "oci_queue"
  query                 = "MessagesInQueueCount[5m]{resourceId = \"${each.value}\", queueType = \"DeadLetterQueue\"}.max() > 0"
  severity              = "WARNING"
  pending_duration      = "PT1M"
  destinations          = [oci_ons_notification_topic.operators.id]
  message_format        = "ONS_OPTIMIZED"
  body                  = "The ${each.key} queue has dead letters: messages that failed every delivery."
}

# Object events that cannot be delivered. OCI Events has no dead-letter queue: a delivery it
# cannot make is counted in oci_cloudevents DeliveryFailedEvents (dimensions resourceId = the rule,
# actionType) and written to the rule's execution log (Logging service "cloudevents", category
# "ruleexecutionlog": rule, event id, the FAAS error), both documented at
# https://docs.oracle.com/iaas/Content/Events/Reference/eventsmetrics.htm and
# https://docs.oracle.com/iaas/Content/Logging/Reference/details_for_events.htm. They play the
# part of the local event router's dead_letters table and event_dead_letters metric. A delivered
# event whose function then fails is in the function's invoke log instead; the watchdogs
# (ip-upload's, transcode-dispatch's upkeep) finish that work from the database and the buckets,
# and the domain-events stream keeps every object event for replay.
resource "oci_logging_log" "event_rules" {
  for_each           = var.event_rule_ids
  display_name       = "${var.name_prefix}-events-${each.key}"
  log_group_id       = oci_logging_log_group.this.id
  log_type           = "SERVICE"
  is_enabled         = true
  retention_duration = var.log_retention_days
  configuration {
    compartment_id = var.compartment_ocid
    source {
      category    = "ruleexecutionlog"
      resource    = each.value
      service     = "cloudevents"
      source_type = "OCISERVICE"
    }
  }
}

resource "oci_monitoring_alarm" "event_dead_letters" {
  for_each              = var.event_rule_ids
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-${each.key}-event-delivery-failed"
  is_enabled            = true
  namespace             = "oci_cloudevents"
  query                 = "DeliveryFailedEvents[5m]{resourceId = \"${each.value}\"}.sum() > 0"
  severity              = "WARNING"
  pending_duration      = "PT1M"
  destinations          = [oci_ons_notification_topic.operators.id]
  message_format        = "ONS_OPTIMIZED"
  body                  = "The Events rule ${each.key} could not deliver object events to its function. Log: ${var.name_prefix}-events-${each.key} (rule execution log)."
}

# Gateway-level 5xx (a function that cannot start, the authorizer down). Verified: namespace
# oci_apigateway, dimensions resourceId (the gateway) and httpStatusCategory (2xx ... 5xx)
# (https://docs.oracle.com/iaas/Content/APIGateway/Reference/apigatewaymetrics.htm); metric name
# HttpResponses as listed there (Datadog's oci.apigateway.http_responses mirrors it).
resource "oci_monitoring_alarm" "gateway_5xx" {
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-gateway-5xx"
  is_enabled            = true
  namespace             = "oci_apigateway"
  query                 = "HttpResponses[5m]{resourceId = \"${var.gateway_id}\", httpStatusCategory = \"5xx\"}.sum() > 10"
  severity              = "CRITICAL"
  pending_duration      = "PT5M"
  destinations          = [oci_ons_notification_topic.operators.id]
  message_format        = "ONS_OPTIMIZED"
  body                  = "API Gateway answered more than 10 5xx responses in 5 minutes."
}

# Domain events that do not leave (issue 17). outbox-relay records outbox_lag_seconds (the age of
# the oldest event neither published nor dead-lettered) at the end of every run: a stream that
# refuses or throttles for minutes, or a relay that keeps failing, raises it. A relay that does not
# run at all records nothing, which the "silent" alarm catches; a record the stream refuses for
# good is dead-lettered on its outbox row and counted.
locals {
  outbox_alarms = {
    lag = {
      query    = "outbox_lag_seconds[1m].max() > ${var.outbox_lag_seconds}"
      severity = "CRITICAL"
      pending  = "PT5M"
      body     = "Domain events are waiting in the outbox for more than ${var.outbox_lag_seconds} s: webhooks and dashboards are behind. Look at the outbox-relay function's log (throttled puts, a refused stream, lock busy)."
    }
    relay-silent = {
      query    = "outbox_lag_seconds[5m].absent()"
      severity = "CRITICAL"
      pending  = "PT10M"
      body     = "outbox-relay has recorded no lag for 10 minutes: its schedule is not firing or every run fails before the end. No domain event is leaving the platform."
    }
    dead-lettered = {
      query    = "outbox_dead_lettered[5m].sum() > 0"
      severity = "WARNING"
      pending  = "PT1M"
      body     = "The event stream refused a domain event for good; it stays in the outbox with its reason (docs/relay.md says how to find and replay it)."
    }
  }
}

resource "oci_monitoring_alarm" "outbox" {
  for_each              = local.outbox_alarms
  compartment_id        = var.compartment_ocid
  metric_compartment_id = var.compartment_ocid
  display_name          = "${var.name_prefix}-outbox-${each.key}"
  is_enabled            = true
  namespace             = var.metrics_namespace
  query                 = each.value.query
  severity              = each.value.severity
  pending_duration      = each.value.pending
  destinations          = [oci_ons_notification_topic.operators.id]
  message_format        = "ONS_OPTIMIZED"
  body                  = each.value.body
}

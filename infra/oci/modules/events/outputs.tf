output "rule_ids" {
  description = "Events rule OCID by catalog rule name."
  value       = { for name, rule in oci_events_rule.function : name => rule.id }
}

output "topic_ids" {
  description = "Notifications topic OCID by logical topic name."
  value       = { for name, topic in oci_ons_notification_topic.this : name => topic.id }
}

output "queue_ids" {
  description = "Queue OCID by work queue name."
  value       = { for name, queue in oci_queue_queue.this : name => queue.id }
}

output "messages_endpoint" {
  description = "The queues' messages endpoint (QUEUE_MESSAGES_ENDPOINT); all queues of a region share a cell endpoint per queue, so this is the transcode queue's."
  value       = oci_queue_queue.this["transcode"].messages_endpoint
}

output "messages_endpoints" {
  description = "Messages endpoint by queue name."
  value       = { for name, queue in oci_queue_queue.this : name => queue.messages_endpoint }
}

output "stream_pool_id" {
  description = "OCID of the stream pool."
  value       = oci_streaming_stream_pool.this.id
}

output "domain_events_stream_id" {
  description = "OCID of the domain events stream."
  value       = oci_streaming_stream.domain_events.id
}

output "domain_events_messages_endpoint" {
  description = "Messages endpoint of the domain events stream."
  value       = oci_streaming_stream.domain_events.messages_endpoint
}

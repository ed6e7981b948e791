output "bucket_names" {
  description = "Real bucket name by logical name."
  value       = { for logical, bucket in oci_objectstorage_bucket.this : logical => bucket.name }
}

output "media_origin_par_path" {
  description = "Path of the read-only PAR on the media bucket (/p/<token>/n/<ns>/b/<bucket>/o/): Fastly's origin prefix. Secret."
  value       = oci_objectstorage_preauthrequest.media_origin.access_uri
  sensitive   = true
}

output "web_bucket_name" {
  description = "Bucket holding the built portal (dist/web)."
  value       = oci_objectstorage_bucket.web.name
}

output "web_origin_par_path" {
  description = "Path of the read-only PAR on the web bucket (/p/<token>/n/<ns>/b/<bucket>/o/): the portal's CDN origin prefix. Secret."
  value       = oci_objectstorage_preauthrequest.web_origin.access_uri
  sensitive   = true
}

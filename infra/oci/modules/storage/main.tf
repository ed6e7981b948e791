terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# The four buckets of events/buckets.ts, private, with object events where a rule needs them.

locals {
  upload_buckets    = ["incoming-designs", "raw-video"]
  encrypted_buckets = ["design-vault", "raw-video"]
  versioned_buckets = ["design-vault"]
}

resource "oci_objectstorage_bucket" "this" {
  for_each              = var.buckets
  compartment_id        = var.compartment_ocid
  namespace             = var.namespace
  name                  = "${var.name_prefix}-${each.key}"
  access_type           = "NoPublicAccess"
  storage_tier          = "Standard"
  object_events_enabled = each.value.objectEvents
  versioning            = contains(local.versioned_buckets, each.key) ? "Enabled" : "Disabled"
  kms_key_id            = contains(local.encrypted_buckets, each.key) ? var.kms_key_id : null
  freeform_tags         = { "forgecast-bucket" = each.key }
}

resource "oci_objectstorage_object_lifecycle_policy" "this" {
  for_each  = var.buckets
  namespace = var.namespace
  bucket    = oci_objectstorage_bucket.this[each.key].name

  rules {
    name        = "abort-incomplete-multipart"
    action      = "ABORT"
    target      = "multipart-uploads"
    is_enabled  = true
    time_amount = var.abort_multipart_days
    time_unit   = "DAYS"
  }

  # Uploads are consumed within minutes (sealed into the vault, transcoded into media); what
  # is left after this long is abandoned.
  dynamic "rules" {
    for_each = contains(local.upload_buckets, each.key) ? [1] : []
    content {
      name        = "expire-abandoned-uploads"
      action      = "DELETE"
      target      = "objects"
      is_enabled  = true
      time_amount = var.upload_expiry_days
      time_unit   = "DAYS"
    }
  }

  # The vault keeps versions so an overwrite is recoverable, but not forever.
  dynamic "rules" {
    for_each = contains(local.versioned_buckets, each.key) ? [1] : []
    content {
      name        = "expire-previous-versions"
      action      = "DELETE"
      target      = "previous-object-versions"
      is_enabled  = true
      time_amount = 90
      time_unit   = "DAYS"
    }
  }
}

# Fastly reads media through this read-only, listing-disabled PAR; revoke it by replacing it.
resource "oci_objectstorage_preauthrequest" "media_origin" {
  namespace             = var.namespace
  bucket                = oci_objectstorage_bucket.this["media"].name
  name                  = "${var.name_prefix}-fastly-origin"
  access_type           = "AnyObjectRead"
  bucket_listing_action = "Deny"
  time_expires          = var.media_par_expires
}

# The portal (web/, built into dist/web by scripts/build.ts): a private bucket the CDN reads
# through its own read-only PAR and serves on the same host as /v1 (infra/fastly/forgecast-portal.vcl),
# so the session cookie is first-party and the browser needs no CORS for the API. docs/deploy.md
# "The web portal" uploads a build into it.
resource "oci_objectstorage_bucket" "web" {
  compartment_id        = var.compartment_ocid
  namespace             = var.namespace
  name                  = "${var.name_prefix}-web"
  access_type           = "NoPublicAccess"
  storage_tier          = "Standard"
  object_events_enabled = false
  # No versions needed: every build's assets have new hashed names, and a deploy leaves the
  # previous build's assets in place, so a page loaded before it still finds its lazy chunks.
  versioning    = "Disabled"
  freeform_tags = { "forgecast-bucket" = "web" }
}

resource "oci_objectstorage_object_lifecycle_policy" "web" {
  namespace = var.namespace
  bucket    = oci_objectstorage_bucket.web.name

  rules {
    name        = "abort-incomplete-multipart"
    action      = "ABORT"
    target      = "multipart-uploads"
    is_enabled  = true
    time_amount = var.abort_multipart_days
    time_unit   = "DAYS"
  }
}

# The portal's origin for the CDN: read-only, listing denied; the CDN turns app addresses into
# index.html itself, so a missing asset stays a 404.
resource "oci_objectstorage_preauthrequest" "web_origin" {
  namespace             = var.namespace
  bucket                = oci_objectstorage_bucket.web.name
  name                  = "${var.name_prefix}-portal-origin"
  access_type           = "AnyObjectRead"
  bucket_listing_action = "Deny"
  time_expires          = var.media_par_expires
}

terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# Least privilege: four dynamic groups (functions, transcoder and live ingest container instances,
# API Gateway)
# and statements pinned to the calling function (request.principal.id) and the one resource it
# touches (target.*.id / name). Nothing is granted on all-resources.

locals {
  compartment = "compartment id ${var.compartment_ocid}"
  fn_group    = "dynamic-group id ${oci_identity_dynamic_group.functions.id}"
  ci_group    = "dynamic-group id ${oci_identity_dynamic_group.workers.id}"
  gw_group    = "dynamic-group id ${oci_identity_dynamic_group.gateway.id}"
  live_group  = "dynamic-group id ${oci_identity_dynamic_group.live_ingest.id}"

  queue_variable = { for name, id in var.queue_ids : name => "${upper(replace(name, "-", "_"))}_QUEUE_ID" }

  # What each function may do follows from the config keys its manifest declares.
  function_statements = {
    for name, fn in var.functions : name => concat(
      [
        "Allow ${local.fn_group} to use metrics in ${local.compartment} where all {request.principal.id = '${var.function_ids[name]}', target.metrics.namespace = '${var.metrics_namespace}'}",
      ],
      [
        for key in fn.secretConfigKeys :
        "Allow ${local.fn_group} to read secret-bundles in ${local.compartment} where all {request.principal.id = '${var.function_ids[name]}', target.secret.id = '${var.secret_ocids[key]}'}"
      ],
      contains(fn.plainConfigKeys, "KMS_KEY_ID") ? [
        "Allow ${local.fn_group} to use keys in ${local.compartment} where all {request.principal.id = '${var.function_ids[name]}', target.key.id = '${var.master_key_id}'}",
      ] : [],
      [
        for queue, variable in local.queue_variable :
        "Allow ${local.fn_group} to use queues in ${local.compartment} where all {request.principal.id = '${var.function_ids[name]}', target.queue.id = '${var.queue_ids[queue]}'}"
        if contains(fn.plainConfigKeys, variable)
      ],
      # The relay publishes; consumers (webhooks, warehouse, analytics) read their group. The
      # manifest's eventStream says which (scripts/generate-oci-catalog.ts).
      fn.eventStream == "publish" ? [
        "Allow ${local.fn_group} to use stream-push in ${local.compartment} where all {request.principal.id = '${var.function_ids[name]}', target.stream.id = '${var.domain_events_stream_id}'}",
      ] : [],
      fn.eventStream == "consume" ? [
        "Allow ${local.fn_group} to use stream-pull in ${local.compartment} where all {request.principal.id = '${var.function_ids[name]}', target.stream.id = '${var.domain_events_stream_id}'}",
      ] : [],
      # The scaler only lists, reads, starts and stops pool members. Verified resource-type
      # names: compute-container-instances, compute-containers, family compute-container-family
      # (https://docs.oracle.com/iaas/Content/container-instances/permissions/policy-reference.htm);
      # operation names from the Container Instances API (start/stop actions).
      contains(fn.plainConfigKeys, "POOL_COMPARTMENT_ID") ? [
        for operation in ["ListContainerInstances", "GetContainerInstance", "StartContainerInstance", "StopContainerInstance"] :
        "Allow ${local.fn_group} to manage compute-container-instances in ${local.compartment} where all {request.principal.id = '${var.function_ids[name]}', request.operation = '${operation}'}"
      ] : [],
    )
  }

  bucket_condition = join(", ", [for name in values(var.bucket_names) : "target.bucket.name = '${name}'"])
}

resource "oci_identity_dynamic_group" "functions" {
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-functions"
  description    = "forgecast functions (resource principals)"
  matching_rule  = "ALL {resource.type = 'fnfunc', resource.compartment.id = '${var.compartment_ocid}'}"
}

resource "oci_identity_dynamic_group" "workers" {
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-transcoders"
  description    = "forgecast transcoder container instances (resource principals)"
  # resource.type 'computecontainerinstance' is the Container Instances resource principal
  # (Container Instances docs on accessing OCI services from a container).
  matching_rule = "ALL {resource.type = 'computecontainerinstance', resource.compartment.id = '${var.compartment_ocid}'}"
}

# The live ingest instances live in their own compartment: the transcoders' rule above (the
# platform compartment) does not match them, and this one matches nothing else.
resource "oci_identity_dynamic_group" "live_ingest" {
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-live-ingest"
  description    = "forgecast live ingest container instances (resource principals)"
  matching_rule  = "ALL {resource.type = 'computecontainerinstance', resource.compartment.id = '${var.live_compartment_ocid}'}"
}

resource "oci_identity_dynamic_group" "gateway" {
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-api-gateway"
  description    = "forgecast API Gateway (invokes the functions)"
  matching_rule  = "ALL {resource.type = 'ApiGateway', resource.compartment.id = '${var.compartment_ocid}'}"
}

resource "oci_identity_policy" "function" {
  for_each       = local.function_statements
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-fn-${each.key}"
  description    = "What the ${each.key} function may do"
  statements     = each.value
}

resource "oci_identity_policy" "workers" {
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-transcoders"
  description    = "What the transcoder pool may do"
  statements = concat(
    [
      for key in var.worker_secret_keys :
      "Allow ${local.ci_group} to read secret-bundles in ${local.compartment} where target.secret.id = '${var.secret_ocids[key]}'"
    ],
    [
      for queue in var.worker_queues :
      "Allow ${local.ci_group} to use queues in ${local.compartment} where target.queue.id = '${var.queue_ids[queue]}'"
    ],
    [
      "Allow ${local.ci_group} to use metrics in ${local.compartment} where target.metrics.namespace = '${var.metrics_namespace}'",
    ],
  )
}

# The agent reads its two secrets and posts its metrics. Its objects go through its own S3 user
# (below), so the resource principal has no object access at all.
resource "oci_identity_policy" "live_ingest" {
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-live-ingest"
  description    = "What the live ingest pool may do"
  statements = concat(
    [
      for id in var.live_secret_ids :
      "Allow ${local.live_group} to read secret-bundles in ${local.compartment} where target.secret.id = '${id}'"
    ],
    [
      "Allow ${local.live_group} to use metrics in ${local.compartment} where target.metrics.namespace = '${var.metrics_namespace}'",
    ],
  )
}

resource "oci_identity_policy" "platform" {
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-platform"
  description    = "Service-to-service access inside the forgecast compartment"
  statements = concat(
    [
      "Allow ${local.gw_group} to use functions-family in ${local.compartment}",
      # Verified (API Gateway docs: dynamic group on resource.type 'ApiGateway' with
      # `use functions-family`). Events delivers FAAS actions as the service principal
      # cloudEvents (Events docs, "allow service cloudEvents to use functions-family") and writes
      # the object-event copy into the stream.
      "Allow service cloudEvents to use functions-family in ${local.compartment}",
      "Allow service cloudEvents to use stream-push in ${local.compartment} where target.stream.id = '${var.domain_events_stream_id}'",
      # Object Storage encrypts the vault and raw video buckets with the master key and runs
      # the lifecycle rules; its service principal is regional, objectstorage-<region>
      # (Object Storage docs on customer-managed keys and lifecycle policies).
      "Allow service objectstorage-${var.region} to use keys in ${local.compartment} where target.key.id = '${var.master_key_id}'",
      "Allow service objectstorage-${var.region} to manage object-family in ${local.compartment} where any {${local.bucket_condition}}",
    ],
    # A schedule acts as its own principal. Documented grant: any-user narrowed to
    # request.principal.type 'resourceschedule' and the schedule's OCID, with `manage` on the
    # target resource type (https://docs.oracle.com/iaas/Content/resource-scheduler/references/example_policies.htm;
    # Oracle's function-scheduling lab grants `manage functions-family` the same way).
    [
      for id in var.schedule_ids :
      "Allow any-user to manage functions-family in ${local.compartment} where all {request.principal.type = 'resourceschedule', request.principal.id = '${id}'}"
    ],
  )
}

# Image pulls: the Functions service and the container instances read the OCIR repositories.
resource "oci_identity_policy" "images" {
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-image-pulls"
  description    = "Pull forgecast images from OCIR"
  statements = [
    "Allow service faas to read repos in compartment id ${var.ocir_compartment_ocid}",
    "Allow ${local.ci_group} to read repos in compartment id ${var.ocir_compartment_ocid}",
    "Allow ${local.live_group} to read repos in compartment id ${var.ocir_compartment_ocid}",
  ]
}

# The S3-compatible API authenticates with a Customer Secret Key, which belongs to a user:
# a dedicated user whose group may touch only forgecast's buckets.
resource "oci_identity_user" "s3" {
  count          = var.create_s3_user ? 1 : 0
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-objects"
  description    = "forgecast S3-compatible access to its own buckets (presigned URLs, object I/O)"
}

resource "oci_identity_group" "s3" {
  count          = var.create_s3_user ? 1 : 0
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-objects"
  description    = "forgecast S3-compatible object access"
}

resource "oci_identity_user_group_membership" "s3" {
  count    = var.create_s3_user ? 1 : 0
  user_id  = oci_identity_user.s3[0].id
  group_id = oci_identity_group.s3[0].id
}

resource "oci_identity_customer_secret_key" "s3" {
  count        = var.create_s3_user ? 1 : 0
  user_id      = oci_identity_user.s3[0].id
  display_name = "${var.name_prefix}-s3"
}

resource "oci_identity_policy" "s3" {
  count          = var.create_s3_user ? 1 : 0
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-objects"
  description    = "forgecast's object user: its buckets only"
  statements = [
    "Allow group id ${oci_identity_group.s3[0].id} to read buckets in ${local.compartment} where any {${local.bucket_condition}}",
    "Allow group id ${oci_identity_group.s3[0].id} to manage objects in ${local.compartment} where any {${local.bucket_condition}}",
  ]
}

# The live ingest agent's own object user: the media bucket only, and only what the agent does
# there (list, read the previous session's playlist, write segments and overwrite playlists).
# No OBJECT_DELETE: a compromised ingest instance cannot remove a published video.
resource "oci_identity_user" "live_s3" {
  count          = var.create_live_s3_user ? 1 : 0
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-live-objects"
  description    = "forgecast live ingest: writes live segments and playlists into the media bucket"
}

resource "oci_identity_group" "live_s3" {
  count          = var.create_live_s3_user ? 1 : 0
  compartment_id = var.tenancy_ocid
  name           = "${var.name_prefix}-live-objects"
  description    = "forgecast live ingest object access (media bucket, no deletes)"
}

resource "oci_identity_user_group_membership" "live_s3" {
  count    = var.create_live_s3_user ? 1 : 0
  user_id  = oci_identity_user.live_s3[0].id
  group_id = oci_identity_group.live_s3[0].id
}

resource "oci_identity_customer_secret_key" "live_s3" {
  count        = var.create_live_s3_user ? 1 : 0
  user_id      = oci_identity_user.live_s3[0].id
  display_name = "${var.name_prefix}-live-s3"
}

resource "oci_identity_policy" "live_s3" {
  count          = var.create_live_s3_user ? 1 : 0
  compartment_id = var.compartment_ocid
  name           = "${var.name_prefix}-live-objects"
  description    = "forgecast's live ingest object user: the media bucket, no deletes"
  statements = [
    "Allow group id ${oci_identity_group.live_s3[0].id} to read buckets in ${local.compartment} where target.bucket.name = '${var.bucket_names["media"]}'",
    "Allow group id ${oci_identity_group.live_s3[0].id} to manage objects in ${local.compartment} where all {target.bucket.name = '${var.bucket_names["media"]}', any {request.permission = 'OBJECT_INSPECT', request.permission = 'OBJECT_READ', request.permission = 'OBJECT_CREATE', request.permission = 'OBJECT_OVERWRITE'}}",
  ]
}

terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# One application, one oci_functions_function per catalog entry, all from one image.

locals {
  # OCI caps a function's configuration (keys and values, the application's included) at 4 KB.
  config_limit_bytes = 4096

  function_config = {
    for name, fn in var.functions : name => merge(
      { FORGECAST_FUNCTION = name },
      { for key in fn.plainConfigKeys : key => var.config_values[key] if contains(keys(var.config_values), key) },
      { for key in fn.secretConfigKeys : "${key}_SECRET_OCID" => var.secret_ocids[key] },
    )
  }
}

resource "oci_functions_application" "this" {
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-functions"
  subnet_ids                 = [var.subnet_id]
  network_security_group_ids = [var.nsg_id]
  shape                      = var.shape
  config                     = var.application_config
}

resource "oci_functions_function" "this" {
  for_each           = var.functions
  application_id     = oci_functions_application.this.id
  display_name       = each.key
  image              = var.image
  memory_in_mbs      = each.value.memoryMb
  timeout_in_seconds = each.value.timeoutSeconds
  config             = local.function_config[each.key]

  lifecycle {
    precondition {
      condition     = alltrue([for key in each.value.secretConfigKeys : contains(keys(var.secret_ocids), key)])
      error_message = "${each.key} reads a secret key that has no Vault secret."
    }
    precondition {
      condition     = length(jsonencode(merge(var.application_config, local.function_config[each.key]))) <= local.config_limit_bytes
      error_message = "${each.key}: configuration (with the application's) exceeds OCI's 4 KB limit."
    }
  }
}

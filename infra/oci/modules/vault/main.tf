terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# Vault: the AES-256 master key that wraps per-object data keys (envelope encryption) and one
# secret per secret config key. Functions and workers read secrets at cold start through
# resource principals (shared/secrets/); nothing secret is plain function config.

resource "oci_kms_vault" "this" {
  compartment_id = var.compartment_ocid
  display_name   = "${var.name_prefix}-vault"
  vault_type     = "DEFAULT"
}

resource "oci_kms_key" "master" {
  compartment_id      = var.compartment_ocid
  display_name        = "${var.name_prefix}-master"
  management_endpoint = oci_kms_vault.this.management_endpoint
  protection_mode     = var.key_protection_mode
  key_shape {
    algorithm = "AES"
    length    = 32
  }
}

resource "oci_vault_secret" "config" {
  for_each       = toset(var.secret_keys)
  compartment_id = var.compartment_ocid
  vault_id       = oci_kms_vault.this.id
  key_id         = oci_kms_key.master.id
  secret_name    = "${var.name_prefix}-${lower(replace(each.key, "_", "-"))}"
  description    = "forgecast config ${each.key}"
  secret_content {
    content_type = "BASE64"
    content      = base64encode(var.secret_values[each.key])
  }

  lifecycle {
    precondition {
      condition     = try(length(var.secret_values[each.key]) > 0, false)
      error_message = "No value for secret ${each.key}."
    }
  }
}

resource "oci_vault_secret" "db_admin_password" {
  compartment_id = var.compartment_ocid
  vault_id       = oci_kms_vault.this.id
  key_id         = oci_kms_key.master.id
  secret_name    = "${var.name_prefix}-mysql-admin-password"
  description    = "Administrator password of the MySQL DB system"
  secret_content {
    content_type = "BASE64"
    content      = base64encode(var.db_admin_password)
  }
}

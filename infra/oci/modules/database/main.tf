terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# MySQL HeatWave in the private database subnet: no public endpoint; reach it through the Bastion.
# Argument names per the provider's oci_mysql_mysql_db_system docs (admin_username/password,
# data_storage_size_in_gb, backup_policy with pitr_policy, deletion_policy, crash_recovery).

# Shape names change over time (ECPU shapes such as MySQL.2 replaced MySQL.VM.Standard.E4.*):
# ask the service which exist rather than trusting a hard-coded list.
data "oci_mysql_shapes" "wanted" {
  compartment_id      = var.compartment_ocid
  availability_domain = var.availability_domain
  is_supported_for    = ["DBSYSTEM"]
  name                = var.shape_name
}

resource "oci_mysql_mysql_db_system" "this" {
  compartment_id          = var.compartment_ocid
  availability_domain     = var.availability_domain
  display_name            = "${var.name_prefix}-mysql"
  hostname_label          = "mysql"
  shape_name              = var.shape_name
  subnet_id               = var.subnet_id
  nsg_ids                 = [var.nsg_id]
  admin_username          = var.admin_username
  admin_password          = var.admin_password
  data_storage_size_in_gb = var.storage_gbs
  is_highly_available     = var.highly_available
  crash_recovery          = "ENABLED"

  backup_policy {
    is_enabled        = true
    retention_in_days = var.backup_retention_days
    # No window_start_time: the service picks one in the region's documented night window.
    pitr_policy {
      is_enabled = true
    }
  }

  deletion_policy {
    automatic_backup_retention = "RETAIN"
    final_backup               = "REQUIRE_FINAL_BACKUP"
    is_delete_protected        = var.delete_protected
  }

  lifecycle {
    # The password lives in Vault after creation; rotating it is a database operation.
    ignore_changes = [admin_password]
    precondition {
      condition     = length(data.oci_mysql_shapes.wanted.shapes) > 0
      error_message = "mysql_shape is not a DB system shape in this availability domain; list them with `oci mysql shape list --compartment-id <ocid> --is-supported-for DBSYSTEM`."
    }
  }
}

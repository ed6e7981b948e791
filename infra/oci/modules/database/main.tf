terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# MySQL HeatWave in the private database subnet: no public endpoint; reach it through the Bastion.

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
    window_start_time = "02:00"
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
  }
}

output "db_system_id" {
  description = "OCID of the DB system."
  value       = oci_mysql_mysql_db_system.this.id
}

output "private_ip" {
  description = "Private IP of the DB system's endpoint."
  value       = oci_mysql_mysql_db_system.this.ip_address
}

output "port" {
  description = "MySQL classic protocol port."
  value       = oci_mysql_mysql_db_system.this.port
}

output "vcn_id" {
  description = "OCID of the VCN."
  value       = oci_core_vcn.this.id
}

output "public_subnet_id" {
  description = "Regional public subnet: API Gateway (and a load balancer, if one is added)."
  value       = oci_core_subnet.public.id
}

output "app_subnet_id" {
  description = "Private subnet of the functions application."
  value       = oci_core_subnet.app.id
}

output "workers_subnet_id" {
  description = "Private subnet of the transcoder pool."
  value       = oci_core_subnet.workers.id
}

output "database_subnet_id" {
  description = "Private subnet of the MySQL HeatWave DB system."
  value       = oci_core_subnet.database.id
}

output "management_subnet_id" {
  description = "Private subnet the Bastion service targets."
  value       = oci_core_subnet.management.id
}

output "gateway_nsg_id" {
  description = "NSG of the API Gateway: the only one open to the internet, on 443."
  value       = oci_core_network_security_group.gateway.id
}

output "functions_nsg_id" {
  description = "NSG of the functions application."
  value       = oci_core_network_security_group.functions.id
}

output "workers_nsg_id" {
  description = "NSG of the transcoder container instances."
  value       = oci_core_network_security_group.workers.id
}

output "database_nsg_id" {
  description = "NSG of the DB system."
  value       = oci_core_network_security_group.database.id
}

output "management_subnet_cidr" {
  description = "CIDR of the management subnet (bastion sessions come from it)."
  value       = oci_core_subnet.management.cidr_block
}

output "live_subnet_id" {
  description = "Public subnet of the live ingest pool and its Network Load Balancer (never the transcoders')."
  value       = oci_core_subnet.live.id
}

output "live_nlb_nsg_id" {
  description = "NSG of the live ingest Network Load Balancer."
  value       = oci_core_network_security_group.live_nlb.id
}

output "live_ingest_nsg_id" {
  description = "NSG of the live ingest container instances."
  value       = oci_core_network_security_group.live_ingest.id
}

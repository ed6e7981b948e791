terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# One VCN with regional subnets per tier, as OCI's reference architectures draw it. Security
# lists are empty except the public 443; the flows the platform needs are NSG rules between
# tiers, so each rule names who talks to whom.

locals {
  label = substr(replace(lower(var.name_prefix), "/[^a-z0-9]/", ""), 0, 10)
  cidrs = {
    public     = cidrsubnet(var.vcn_cidr, 8, 0)
    app        = cidrsubnet(var.vcn_cidr, 8, 1)
    workers    = cidrsubnet(var.vcn_cidr, 8, 2)
    database   = cidrsubnet(var.vcn_cidr, 8, 3)
    management = cidrsubnet(var.vcn_cidr, 8, 4)
    live       = cidrsubnet(var.vcn_cidr, 8, 5)
  }
  # Live ingest: every publisher CIDR on every port it may use (keys are stable strings).
  live_listener_rules  = { for pair in setproduct(var.live_publisher_cidrs, var.live_listener_ports) : "${pair[0]} ${pair[1]}" => { cidr = pair[0], port = pair[1] } }
  live_backend_rules   = { for pair in setproduct(var.live_publisher_cidrs, var.live_backend_ports) : "${pair[0]} ${pair[1]}" => { cidr = pair[0], port = pair[1] } }
  oracle_services_cidr = data.oci_core_services.all.services[0].cidr_block
}

data "oci_core_services" "all" {
  filter {
    name   = "name"
    values = ["All .* Services In Oracle Services Network"]
    regex  = true
  }
}

resource "oci_core_vcn" "this" {
  compartment_id = var.compartment_ocid
  cidr_blocks    = [var.vcn_cidr]
  display_name   = "${var.name_prefix}-vcn"
  dns_label      = local.label
}

# The default security list allows SSH from anywhere; take it over and leave it empty.
resource "oci_core_default_security_list" "default" {
  manage_default_resource_id = oci_core_vcn.this.default_security_list_id
  display_name               = "${var.name_prefix}-default-empty"
}

resource "oci_core_internet_gateway" "this" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-igw"
  enabled        = true
}

resource "oci_core_nat_gateway" "this" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-nat"
}

resource "oci_core_service_gateway" "this" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-sgw"
  services {
    service_id = data.oci_core_services.all.services[0].id
  }
}

resource "oci_core_route_table" "public" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-rt-public"
  route_rules {
    destination       = "0.0.0.0/0"
    destination_type  = "CIDR_BLOCK"
    network_entity_id = oci_core_internet_gateway.this.id
  }
}

# Functions: Oracle services through the service gateway, Stripe/Fastly/Firebase/chain through NAT.
resource "oci_core_route_table" "app" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-rt-app"
  route_rules {
    destination       = local.oracle_services_cidr
    destination_type  = "SERVICE_CIDR_BLOCK"
    network_entity_id = oci_core_service_gateway.this.id
  }
  route_rules {
    destination       = "0.0.0.0/0"
    destination_type  = "CIDR_BLOCK"
    network_entity_id = oci_core_nat_gateway.this.id
  }
}

resource "oci_core_route_table" "workers" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-rt-workers"
  route_rules {
    destination       = local.oracle_services_cidr
    destination_type  = "SERVICE_CIDR_BLOCK"
    network_entity_id = oci_core_service_gateway.this.id
  }
  dynamic "route_rules" {
    for_each = var.workers_internet_egress ? [1] : []
    content {
      destination       = "0.0.0.0/0"
      destination_type  = "CIDR_BLOCK"
      network_entity_id = oci_core_nat_gateway.this.id
    }
  }
}

# Live ingest: public (the instances carry public IPs for WHIP media, the NLB listens there) and
# Oracle services through the service gateway.
resource "oci_core_route_table" "live" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-rt-live"
  route_rules {
    destination       = local.oracle_services_cidr
    destination_type  = "SERVICE_CIDR_BLOCK"
    network_entity_id = oci_core_service_gateway.this.id
  }
  route_rules {
    destination       = "0.0.0.0/0"
    destination_type  = "CIDR_BLOCK"
    network_entity_id = oci_core_internet_gateway.this.id
  }
}

# Database and management: Oracle services only.
resource "oci_core_route_table" "private" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-rt-private"
  route_rules {
    destination       = local.oracle_services_cidr
    destination_type  = "SERVICE_CIDR_BLOCK"
    network_entity_id = oci_core_service_gateway.this.id
  }
}

resource "oci_core_security_list" "public" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-sl-public"
  # HTTPS only; API Gateway terminates TLS. No port 80: nothing here serves plain HTTP.
  ingress_security_rules {
    protocol    = "6"
    source      = "0.0.0.0/0"
    source_type = "CIDR_BLOCK"
    stateless   = false
    tcp_options {
      min = 443
      max = 443
    }
  }
}

# Private subnets carry no security-list rules: every allowed flow is an NSG rule below.
resource "oci_core_security_list" "private" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-sl-private-empty"
}

# The Bastion service's endpoint in the management subnet has no NSG: its one flow (MySQL
# port forwarding) is allowed by this list.
resource "oci_core_security_list" "management" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-sl-management"
  egress_security_rules {
    protocol         = "6"
    destination      = local.cidrs.database
    destination_type = "CIDR_BLOCK"
    stateless        = false
    tcp_options {
      min = 3306
      max = 3306
    }
  }
}

resource "oci_core_subnet" "public" {
  compartment_id             = var.compartment_ocid
  vcn_id                     = oci_core_vcn.this.id
  cidr_block                 = local.cidrs.public
  display_name               = "${var.name_prefix}-public"
  dns_label                  = "public"
  prohibit_public_ip_on_vnic = false
  route_table_id             = oci_core_route_table.public.id
  security_list_ids          = [oci_core_security_list.public.id]
}

resource "oci_core_subnet" "app" {
  compartment_id             = var.compartment_ocid
  vcn_id                     = oci_core_vcn.this.id
  cidr_block                 = local.cidrs.app
  display_name               = "${var.name_prefix}-app"
  dns_label                  = "app"
  prohibit_public_ip_on_vnic = true
  prohibit_internet_ingress  = true
  route_table_id             = oci_core_route_table.app.id
  security_list_ids          = [oci_core_security_list.private.id]
}

resource "oci_core_subnet" "workers" {
  compartment_id             = var.compartment_ocid
  vcn_id                     = oci_core_vcn.this.id
  cidr_block                 = local.cidrs.workers
  display_name               = "${var.name_prefix}-workers"
  dns_label                  = "workers"
  prohibit_public_ip_on_vnic = true
  prohibit_internet_ingress  = true
  route_table_id             = oci_core_route_table.workers.id
  security_list_ids          = [oci_core_security_list.private.id]
}

resource "oci_core_subnet" "database" {
  compartment_id             = var.compartment_ocid
  vcn_id                     = oci_core_vcn.this.id
  cidr_block                 = local.cidrs.database
  display_name               = "${var.name_prefix}-database"
  dns_label                  = "database"
  prohibit_public_ip_on_vnic = true
  prohibit_internet_ingress  = true
  route_table_id             = oci_core_route_table.private.id
  security_list_ids          = [oci_core_security_list.private.id]
}

resource "oci_core_subnet" "management" {
  compartment_id             = var.compartment_ocid
  vcn_id                     = oci_core_vcn.this.id
  cidr_block                 = local.cidrs.management
  display_name               = "${var.name_prefix}-management"
  dns_label                  = "mgmt"
  prohibit_public_ip_on_vnic = true
  prohibit_internet_ingress  = true
  route_table_id             = oci_core_route_table.private.id
  security_list_ids          = [oci_core_security_list.management.id]
}

# The live ingest pool's own subnet: never shared with the transcoders (a live ladder must not
# compete with a VOD encode for cores, and publishers reach it from the internet). Its security
# list is empty: every flow is an NSG rule below.
resource "oci_core_subnet" "live" {
  compartment_id             = var.compartment_ocid
  vcn_id                     = oci_core_vcn.this.id
  cidr_block                 = local.cidrs.live
  display_name               = "${var.name_prefix}-live"
  dns_label                  = "live"
  prohibit_public_ip_on_vnic = false
  route_table_id             = oci_core_route_table.live.id
  security_list_ids          = [oci_core_security_list.private.id]
}

resource "oci_core_network_security_group" "gateway" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-nsg-gateway"
}

resource "oci_core_network_security_group" "functions" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-nsg-functions"
}

resource "oci_core_network_security_group" "workers" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-nsg-workers"
}

resource "oci_core_network_security_group" "database" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-nsg-database"
}

resource "oci_core_network_security_group" "live_nlb" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-nsg-live-nlb"
}

resource "oci_core_network_security_group" "live_ingest" {
  compartment_id = var.compartment_ocid
  vcn_id         = oci_core_vcn.this.id
  display_name   = "${var.name_prefix}-nsg-live-ingest"
}

# --- API Gateway: HTTPS in from anywhere, out to the Functions service only.
resource "oci_core_network_security_group_security_rule" "gateway_https_in" {
  network_security_group_id = oci_core_network_security_group.gateway.id
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = "0.0.0.0/0"
  source_type               = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

resource "oci_core_network_security_group_security_rule" "gateway_to_services" {
  network_security_group_id = oci_core_network_security_group.gateway.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = local.oracle_services_cidr
  destination_type          = "SERVICE_CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

# --- Functions: MySQL, Oracle services (Vault, KMS, Queue, Object Storage, Monitoring), and
# the third parties they call over HTTPS; the chain on its own port when it is private.
resource "oci_core_network_security_group_security_rule" "functions_to_database" {
  network_security_group_id = oci_core_network_security_group.functions.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = oci_core_network_security_group.database.id
  destination_type          = "NETWORK_SECURITY_GROUP"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 3306
      max = 3306
    }
  }
}

resource "oci_core_network_security_group_security_rule" "functions_to_services" {
  network_security_group_id = oci_core_network_security_group.functions.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = local.oracle_services_cidr
  destination_type          = "SERVICE_CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

resource "oci_core_network_security_group_security_rule" "functions_to_internet_https" {
  for_each                  = toset(var.functions_egress_cidrs)
  network_security_group_id = oci_core_network_security_group.functions.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = each.value
  destination_type          = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

resource "oci_core_network_security_group_security_rule" "functions_to_chain" {
  for_each                  = toset(var.chain_rpc_cidrs)
  network_security_group_id = oci_core_network_security_group.functions.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = each.value
  destination_type          = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = var.chain_rpc_port
      max = var.chain_rpc_port
    }
  }
}

# --- Workers: MySQL and Oracle services; the internet only when asked for.
resource "oci_core_network_security_group_security_rule" "workers_to_database" {
  network_security_group_id = oci_core_network_security_group.workers.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = oci_core_network_security_group.database.id
  destination_type          = "NETWORK_SECURITY_GROUP"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 3306
      max = 3306
    }
  }
}

resource "oci_core_network_security_group_security_rule" "workers_to_services" {
  network_security_group_id = oci_core_network_security_group.workers.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = local.oracle_services_cidr
  destination_type          = "SERVICE_CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

resource "oci_core_network_security_group_security_rule" "workers_to_internet_https" {
  count                     = var.workers_internet_egress ? 1 : 0
  network_security_group_id = oci_core_network_security_group.workers.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = "0.0.0.0/0"
  destination_type          = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

# --- Database: MySQL from the functions, the workers and bastion sessions; nothing out.
resource "oci_core_network_security_group_security_rule" "database_from_functions" {
  network_security_group_id = oci_core_network_security_group.database.id
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = oci_core_network_security_group.functions.id
  source_type               = "NETWORK_SECURITY_GROUP"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 3306
      max = 3306
    }
  }
}

resource "oci_core_network_security_group_security_rule" "database_from_workers" {
  network_security_group_id = oci_core_network_security_group.database.id
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = oci_core_network_security_group.workers.id
  source_type               = "NETWORK_SECURITY_GROUP"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 3306
      max = 3306
    }
  }
}

resource "oci_core_network_security_group_security_rule" "database_from_management" {
  network_security_group_id = oci_core_network_security_group.database.id
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = local.cidrs.management
  source_type               = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 3306
      max = 3306
    }
  }
}

# --- Live ingest NLB: publishers on its listener ports (RTMP, RTMPS, WHIP signalling), out to the
# ingest instances' ports. Publishers are anywhere by default (live_publisher_cidrs): an encoder's
# address is not known in advance; the stream key gate (on_publish / WHIP bearer) is the control.
resource "oci_core_network_security_group_security_rule" "live_nlb_from_publishers" {
  for_each                  = local.live_listener_rules
  network_security_group_id = oci_core_network_security_group.live_nlb.id
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = each.value.cidr
  source_type               = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = each.value.port
      max = each.value.port
    }
  }
}

resource "oci_core_network_security_group_security_rule" "live_nlb_to_ingest" {
  for_each                  = toset([for port in var.live_backend_ports : tostring(port)])
  network_security_group_id = oci_core_network_security_group.live_nlb.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = oci_core_network_security_group.live_ingest.id
  destination_type          = "NETWORK_SECURITY_GROUP"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = tonumber(each.value)
      max = tonumber(each.value)
    }
  }
}

# --- Live ingest instances. The NLB preserves client IPs (is_preserve_source), so packets reach
# the instances from the publishers' addresses: the instances admit those CIDRs on their backend
# ports, the NLB's own health checks, and WHIP media (UDP, straight to the instance's public IP,
# which the agent advertises in ICE).
resource "oci_core_network_security_group_security_rule" "live_ingest_from_publishers" {
  for_each                  = local.live_backend_rules
  network_security_group_id = oci_core_network_security_group.live_ingest.id
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = each.value.cidr
  source_type               = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = each.value.port
      max = each.value.port
    }
  }
}

resource "oci_core_network_security_group_security_rule" "live_ingest_from_nlb" {
  for_each                  = toset([for port in var.live_backend_ports : tostring(port)])
  network_security_group_id = oci_core_network_security_group.live_ingest.id
  direction                 = "INGRESS"
  protocol                  = "6"
  source                    = oci_core_network_security_group.live_nlb.id
  source_type               = "NETWORK_SECURITY_GROUP"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = tonumber(each.value)
      max = tonumber(each.value)
    }
  }
}

resource "oci_core_network_security_group_security_rule" "live_ingest_media_in" {
  for_each                  = toset(var.live_publisher_cidrs)
  network_security_group_id = oci_core_network_security_group.live_ingest.id
  direction                 = "INGRESS"
  protocol                  = "17"
  source                    = each.value
  source_type               = "CIDR_BLOCK"
  stateless                 = false
  udp_options {
    destination_port_range {
      min = var.live_ice_ports.min
      max = var.live_ice_ports.max
    }
  }
}

# ICE connectivity checks go out to the publishers' candidates, whatever their ports.
resource "oci_core_network_security_group_security_rule" "live_ingest_media_out" {
  network_security_group_id = oci_core_network_security_group.live_ingest.id
  direction                 = "EGRESS"
  protocol                  = "17"
  destination               = "0.0.0.0/0"
  destination_type          = "CIDR_BLOCK"
  stateless                 = false
  udp_options {
    source_port_range {
      min = var.live_ice_ports.min
      max = var.live_ice_ports.max
    }
  }
}

# Object Storage (segments, playlists), Vault (its two secrets), Monitoring (lag metric).
resource "oci_core_network_security_group_security_rule" "live_ingest_to_services" {
  network_security_group_id = oci_core_network_security_group.live_ingest.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = local.oracle_services_cidr
  destination_type          = "SERVICE_CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

# The live-ingest function through the API Gateway's public HTTPS endpoint.
resource "oci_core_network_security_group_security_rule" "live_ingest_to_gateway" {
  network_security_group_id = oci_core_network_security_group.live_ingest.id
  direction                 = "EGRESS"
  protocol                  = "6"
  destination               = "0.0.0.0/0"
  destination_type          = "CIDR_BLOCK"
  stateless                 = false
  tcp_options {
    destination_port_range {
      min = 443
      max = 443
    }
  }
}

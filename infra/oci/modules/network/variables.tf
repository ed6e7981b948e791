variable "compartment_ocid" {
  description = "Compartment that holds the VCN and everything in it."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names and DNS labels (letters and digits, starts with a letter)."
  type        = string
}

variable "vcn_cidr" {
  description = "IPv4 CIDR of the VCN; the six subnets are /24s carved from it."
  type        = string
}

variable "functions_egress_cidrs" {
  description = "Internet destinations (TCP 443, through the NAT gateway) the functions may reach: Stripe, Fastly, Firebase and a public chain RPC. 0.0.0.0/0 unless you pin their ranges."
  type        = list(string)
}

variable "chain_rpc_cidrs" {
  description = "CIDRs of a private chain JSON-RPC endpoint (peered VCN, DRG or the management subnet) the functions may reach on chain_rpc_port."
  type        = list(string)
}

variable "chain_rpc_port" {
  description = "TCP port of the private chain JSON-RPC endpoint (Besu's default is 8545)."
  type        = number
}

variable "workers_internet_egress" {
  description = "Whether the transcoder workers may reach the internet through the NAT gateway (they need only Oracle services, so false by default)."
  type        = bool
}

variable "live_publisher_cidrs" {
  description = "Where live publishers (OBS, browsers over WHIP) may connect from; 0.0.0.0/0 for anyone (the stream key is the gate)."
  type        = list(string)
}

variable "live_listener_ports" {
  description = "TCP ports the live ingest Network Load Balancer listens on (RTMP, RTMPS, WHIP signalling)."
  type        = list(number)
}

variable "live_backend_ports" {
  description = "TCP ports the live ingest instances listen on behind the NLB (the agent's LIVE_RTMP_PORT, LIVE_RTMPS_PORT, LIVE_WHIP_PORT)."
  type        = list(number)
}

variable "live_ice_ports" {
  description = "UDP port range of WHIP media (ICE) on each live ingest instance's public IP."
  type        = object({ min = number, max = number })
}

terraform {
  # optional() object attributes and check blocks.
  required_version = ">= 1.5.0"

  required_providers {
    oci = {
      source = "oracle/oci"
      # Resource Scheduler schedules with resource parameters, Container Instances `state`.
      version = ">= 6.20.0"
    }
  }
}

# Authentication comes from the environment (~/.oci/config, or Resource Manager's own).
provider "oci" {
  region = var.region
}

# Identity resources (dynamic groups, users, policies) are written in the home region.
provider "oci" {
  alias  = "home"
  region = var.home_region == "" ? var.region : var.home_region
}

terraform {
  # optional() object attributes and check blocks.
  required_version = ">= 1.5.0"

  required_providers {
    oci = {
      source = "oracle/oci"
      # `parameters` on oci_resource_scheduler_schedule resources: absent from the 6.1.0 docs,
      # present in the 7.4.0 docs (docs.oracle.com/iaas/tools/terraform-provider-oci/<version>/).
      # Container Instances `state` (ACTIVE | INACTIVE) is an argument in both.
      version = ">= 7.4.0"
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

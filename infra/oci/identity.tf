# People sign in to the portal through an OCI IAM identity domain: a confidential application
# whose client the `session` function is (docs/deploy.md, "Sign-in: the identity domain
# application", lists the console steps). The function reads the issuer and client id as plain
# config and the client secret from Vault (OIDC_CLIENT_SECRET_SECRET_OCID).

variable "portal_origin" {
  description = "The portal's origin, scheme and host only (https://portal.example.com): the page and /v1 share it. Names the session cookie (__Host-fc_session over https) and is the only Origin cookie-authenticated writes are accepted from. Empty: no portal, API keys only."
  type        = string
  default     = ""
  validation {
    condition     = var.portal_origin == "" || can(regex("^https://[^/]+$", var.portal_origin))
    error_message = "portal_origin must be https://<host>[:port] without a path, or empty."
  }
}

variable "oidc_issuer_url" {
  description = "The identity domain's issuer (its domain URL, https://idcs-<id>.identity.oraclecloud.com); the session function reads /.well-known/openid-configuration below it."
  type        = string
  default     = ""
}

variable "oidc_client_id" {
  description = "Client ID of the identity domain's confidential application for the portal."
  type        = string
  default     = ""
}

variable "oidc_client_secret" {
  description = "Client secret of that application; stored in Vault, never in function config."
  type        = string
  sensitive   = true
  default     = ""
}

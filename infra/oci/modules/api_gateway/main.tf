terraform {
  required_providers {
    oci = {
      source = "oracle/oci"
    }
  }
}

# The API: every route from the catalog on one deployment under /v1, the custom authorizer,
# per-route scopes, per-IP rate limit, CORS, and header transformations that hand the
# authorizer's context to the functions. A function invocation body is capped at 6 MB by
# Functions itself (InvokeFunction docs), the same limit as the local gateway.
# Block names per the provider's oci_apigateway_deployment docs: request_policies.authentication
# (CUSTOM_AUTHENTICATION, function_id, parameters, cache_key, is_anonymous_access_allowed),
# rate_limiting (rate_key CLIENT_IP | TOTAL), cors, and per route authorization (ANONYMOUS |
# AUTHENTICATION_ONLY | ANY_OF with allowed_scope) and header_transformations. The context
# variable syntax ${request.auth[<key>]} is API Gateway's (the authorizer's returned context).

locals {
  context_header_names = values(var.auth_context_headers)
}

resource "oci_apigateway_gateway" "this" {
  compartment_id             = var.compartment_ocid
  display_name               = "${var.name_prefix}-gateway"
  endpoint_type              = "PUBLIC"
  subnet_id                  = var.subnet_id
  network_security_group_ids = [var.nsg_id]
}

resource "oci_apigateway_deployment" "api" {
  compartment_id = var.compartment_ocid
  gateway_id     = oci_apigateway_gateway.this.id
  display_name   = "${var.name_prefix}-api"
  path_prefix    = var.path_prefix

  specification {
    request_policies {
      # A multi-argument authorizer (USER_DEFINED input): a bearer credential (API key,
      # printer) or the portal's session cookie, with Origin and Sec-Fetch-Site for its CSRF
      # check (functions/authorizer/schema.ts names the arguments). API Gateway has no context
      # variable for the method, so the authorizer decides without it (shared/people/origin-check.ts).
      # Every argument is in the cache key: an answer for one Origin is no answer for another.
      authentication {
        type        = "CUSTOM_AUTHENTICATION"
        function_id = var.authorizer_function_id
        parameters = {
          authorization = "request.headers[Authorization]"
          cookie        = "request.headers[Cookie]"
          origin        = "request.headers[Origin]"
          secFetchSite  = "request.headers[Sec-Fetch-Site]"
        }
        cache_key = ["authorization", "cookie", "origin", "secFetchSite"]
        # Needed for ANONYMOUS routes (health, Stripe webhook, Fastly logs, public shows).
        is_anonymous_access_allowed = true
      }
      rate_limiting {
        rate_in_requests_per_second = var.rate_limit_per_second
        rate_key                    = "CLIENT_IP"
      }
      dynamic "cors" {
        for_each = length(var.cors_allowed_origins) > 0 ? [1] : []
        content {
          allowed_origins              = var.cors_allowed_origins
          allowed_methods              = ["GET", "POST", "PUT", "PATCH", "DELETE"]
          allowed_headers              = ["Authorization", "Content-Type", "Idempotency-Key"]
          exposed_headers              = ["Location", "Idempotent-Replayed", "Retry-After", "opc-request-id"]
          is_allow_credentials_enabled = false
          max_age_in_seconds           = 600
        }
      }
    }

    dynamic "routes" {
      for_each = var.routes
      content {
        path    = routes.value.path
        methods = [routes.value.method]
        backend {
          type        = "ORACLE_FUNCTIONS_BACKEND"
          function_id = var.function_ids[routes.value.function]
        }
        request_policies {
          authorization {
            type          = routes.value.authorization.type
            allowed_scope = routes.value.authorization.type == "ANY_OF" ? routes.value.authorization.allowedScope : null
          }
          header_transformations {
            # Functions trust x-fc-* (only the gateway can invoke them): a client never sets
            # them, and the credential itself goes no further than the authorizer.
            filter_headers {
              type = "BLOCK"
              dynamic "items" {
                for_each = routes.value.authorization.type == "ANONYMOUS" ? concat(["Authorization"], local.context_header_names) : ["Authorization"]
                content {
                  name = items.value
                }
              }
            }
            dynamic "set_headers" {
              for_each = routes.value.authorization.type == "ANONYMOUS" ? [] : [1]
              content {
                dynamic "items" {
                  for_each = var.auth_context_headers
                  content {
                    name      = items.value
                    values    = ["$${request.auth[${items.key}]}"]
                    if_exists = "OVERWRITE"
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

# Paths a third party fixes (Fastly's /.well-known/fastly/logging/challenge): anonymous only,
# so no authorizer and no context headers.
resource "oci_apigateway_deployment" "root" {
  for_each       = var.root_deployments
  compartment_id = var.compartment_ocid
  gateway_id     = oci_apigateway_gateway.this.id
  display_name   = "${var.name_prefix}-root-${each.key}"
  path_prefix    = each.value.pathPrefix

  specification {
    request_policies {
      rate_limiting {
        rate_in_requests_per_second = var.rate_limit_per_second
        rate_key                    = "CLIENT_IP"
      }
    }

    dynamic "routes" {
      for_each = each.value.routes
      content {
        path    = routes.value.path
        methods = [routes.value.method]
        backend {
          type        = "ORACLE_FUNCTIONS_BACKEND"
          function_id = var.function_ids[routes.value.function]
        }
        request_policies {
          header_transformations {
            filter_headers {
              type = "BLOCK"
              dynamic "items" {
                for_each = concat(["Authorization"], local.context_header_names)
                content {
                  name = items.value
                }
              }
            }
          }
        }
      }
    }
  }

  lifecycle {
    precondition {
      condition     = alltrue([for route in values(each.value.routes) : route.authorization.type == "ANONYMOUS"])
      error_message = "Root routes have no authorizer: every one must be anonymous."
    }
  }
}

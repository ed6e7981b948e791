variable "compartment_ocid" {
  description = "Compartment of the gateway and its deployments."
  type        = string
}

variable "name_prefix" {
  description = "Prefix for display names."
  type        = string
}

variable "subnet_id" {
  description = "Public subnet of the gateway."
  type        = string
}

variable "nsg_id" {
  description = "NSG of the gateway (443 in from the internet)."
  type        = string
}

variable "path_prefix" {
  description = "Deployment path prefix of the API (catalog apiPathPrefix, /v1)."
  type        = string
}

variable "routes" {
  description = "catalog.generated.json `routes`: method, path below the prefix, function and authorization of each API route."
  type = map(object({
    function = string
    method   = string
    path     = string
    authorization = object({
      type         = string
      allowedScope = optional(list(string), [])
    })
  }))
}

variable "root_deployments" {
  description = "catalog.generated.json `rootDeployments`: routes served outside the API prefix (Fastly's challenge), one deployment per first path segment."
  type = map(object({
    pathPrefix = string
    routes = map(object({
      function = string
      method   = string
      path     = string
      authorization = object({
        type         = string
        allowedScope = optional(list(string), [])
      })
    }))
  }))
}

variable "function_ids" {
  description = "Function OCID by catalog name."
  type        = map(string)
}

variable "authorizer_function_id" {
  description = "OCID of the custom authorizer function."
  type        = string
}

variable "rate_limit_per_second" {
  description = "Requests per second allowed per client IP on each deployment."
  type        = number
}

variable "cors_allowed_origins" {
  description = "Browser origins allowed by CORS; empty disables the CORS policy."
  type        = list(string)
}

variable "auth_context_headers" {
  description = "Authorizer context key -> request header the functions read (shared/runtime/auth-context.ts)."
  type        = map(string)
}

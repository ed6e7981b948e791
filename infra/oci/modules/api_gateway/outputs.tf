output "gateway_id" {
  description = "OCID of the API Gateway."
  value       = oci_apigateway_gateway.this.id
}

output "hostname" {
  description = "Hostname of the gateway."
  value       = oci_apigateway_gateway.this.hostname
}

output "api_deployment_id" {
  description = "OCID of the API deployment."
  value       = oci_apigateway_deployment.api.id
}

output "root_deployment_ids" {
  description = "OCID of each root deployment by key."
  value       = { for key, deployment in oci_apigateway_deployment.root : key => deployment.id }
}

output "api_base_url" {
  description = "Base URL of the API."
  value       = "https://${oci_apigateway_gateway.this.hostname}${var.path_prefix}"
}

output "root_urls" {
  description = "Full URL of each root route by route key."
  value = merge([
    for key, deployment in var.root_deployments : {
      for route_key, route in deployment.routes :
      route_key => "https://${oci_apigateway_gateway.this.hostname}${deployment.pathPrefix}${route.path}"
    }
  ]...)
}

output "application_id" {
  description = "OCID of the functions application."
  value       = oci_functions_application.this.id
}

output "function_ids" {
  description = "Function OCID by catalog name."
  value       = { for name, fn in oci_functions_function.this : name => fn.id }
}

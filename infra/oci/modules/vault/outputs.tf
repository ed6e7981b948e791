output "vault_id" {
  description = "OCID of the vault."
  value       = oci_kms_vault.this.id
}

output "crypto_endpoint" {
  description = "Vault crypto endpoint (KMS_CRYPTO_ENDPOINT)."
  value       = oci_kms_vault.this.crypto_endpoint
}

output "master_key_id" {
  description = "OCID of the AES-256 master key (KMS_KEY_ID)."
  value       = oci_kms_key.master.id
}

output "secret_ocids" {
  description = "Vault secret OCID by config key."
  value       = { for key, secret in oci_vault_secret.config : key => secret.id }
}

output "db_admin_password_secret_id" {
  description = "OCID of the secret holding the DB administrator password."
  value       = oci_vault_secret.db_admin_password.id
}

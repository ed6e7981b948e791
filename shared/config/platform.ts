import { z } from 'zod';
import { configFields } from './config.ts';

/** Config shapes shared by functions; each function composes the ones it uses. */
export const databaseConfig = {
  MYSQL_URL: z.string().regex(/^mysql:\/\//, 'must be a mysql:// URL'),
};

export const objectStorageConfig = {
  S3_ENDPOINT: configFields.url,
  S3_REGION: z.string().min(1),
  S3_ACCESS_KEY_ID: z.string().min(1),
  S3_SECRET_ACCESS_KEY: z.string().min(1),
};

export const chainConfig = {
  CHAIN_RPC_URL: configFields.url,
};

export const bucketsConfig = {
  /** Comma-separated bucket names this function touches, checked by health. */
  BUCKETS: configFields.csv,
};

export const queuesConfig = {
  /** Comma-separated work queues this function touches. */
  QUEUES: configFields.csv,
};

export const designBucketsConfig = {
  INCOMING_BUCKET: z.string().min(3),
  VAULT_BUCKET: z.string().min(3),
  MEDIA_BUCKET: z.string().min(3),
};

export const relayerConfig = {
  ...chainConfig,
  /** The relayer's signing key (OCI: a Vault secret; Vault has no secp256k1 keys). */
  CHAIN_RELAYER_KEY: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be a 0x-prefixed 32-byte hex key'),
  /**
   * The chain id, when known: ethers then never asks eth_chainId to learn the network, a probe it
   * otherwise repeats every second for as long as the node is down.
   */
  CHAIN_ID: configFields.positiveInt.optional(),
};

/** Envelope encryption: a local master key file in the local cloud, OCI Vault (KMS) in production. */
export const keyWrapperConfig = {
  KEY_WRAPPER: z.enum(['local', 'oci-kms']).default('local'),
  MASTER_KEY_BASE64: z.string().optional(),
  KMS_CRYPTO_ENDPOINT: z.url().optional(),
  KMS_KEY_ID: z.string().optional(),
};

import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, relayerConfig } from '#shared/config/platform.ts';

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a contract address');
const count = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const shape = {
  ...databaseConfig,
  ...relayerConfig,
  LICENSE_LEDGER_ADDRESS: address,
  /** Indexed too when set (registrations, for the audit trail). */
  DESIGN_REGISTRY_ADDRESS: address.optional(),
  /** Where a new cursor starts: the contracts' deployment block (0 scans from genesis). */
  CHAIN_START_BLOCK: count(0, Number.MAX_SAFE_INTEGER, 0),
  /** Blocks that must follow an event's block. Besu QBFT is final at once, so production may use 0. */
  CHAIN_CONFIRMATIONS: count(0, 1000, 1),
  /** Blocks per eth_getLogs call (Besu's default cap is 5,000). */
  INDEX_BLOCK_RANGE: count(1, 5000, 2000),
  INDEX_MAX_RANGES: count(1, 1000, 50),
  RECONCILE_EVERY_SECONDS: count(0, 86_400, 60),
  /** A revocation not on chain after this long is drift (the keeper retries it meanwhile). */
  RECONCILE_REVOCATION_GRACE_SECONDS: count(0, 86_400, 120),
  /** Counted prints waiting longer than this for settlement are drift. */
  RECONCILE_UNSETTLED_AFTER_SECONDS: count(0, 604_800, 600),
  /** A pending license this old gets its mint pushed by the keeper (the chain may have been down). */
  KEEPER_PENDING_AFTER_SECONDS: count(0, 86_400, 10),
};

export const chainIndexerConfigKeys = Object.keys(shape);
export const loadChainIndexerConfig = () => readConfig(shape);
export type ChainIndexerConfig = ReturnType<typeof loadChainIndexerConfig>;

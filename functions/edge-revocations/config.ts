import { z } from 'zod';
import { cdnConfig } from '#shared/cdn/cdn-from-config.ts';
import { MAX_LIST_CHANGES, revocationListConfig } from '#shared/cdn/revocation-list.ts';
import { chatModerationConfig } from '#shared/chat/chat-from-config.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';

// Not FASTLY_API_TOKEN: this function writes with its own token (FASTLY_REVOCATION_API_TOKEN).
const { FASTLY_API_TOKEN: _purgeToken, ...cdnEndpoint } = cdnConfig;

const shape = {
  ...databaseConfig,
  ...cdnEndpoint,
  ...revocationListConfig,
  // Revocations also remove the ticket's holder from the show chat (CHAT_BACKEND).
  ...chatModerationConfig,
  /**
   * How long one tick keeps watching for new revocations (polling every REVOCATION_POLL_MS).
   * 0 (the local cloud, whose scheduler ticks every 2 s): one pass per tick. OCI's scheduler ticks
   * once a minute, so Terraform sets 50: a revocation then reaches the edge within seconds, not
   * within the next minute.
   */
  REVOCATION_WATCH_SECONDS: z.coerce.number().int().min(0).max(240).default(0),
  REVOCATION_POLL_MS: z.coerce.number().int().min(100).max(10_000).default(1000),
  /** A live revocation is pushed again this long after its last push (an edge that lost it relearns it). */
  REVOCATION_RESYNC_SECONDS: z.coerce.number().int().min(10).max(3600).default(300),
  /** Changes per request to the edge. */
  REVOCATION_BATCH: z.coerce.number().int().min(1).max(MAX_LIST_CHANGES).default(500),
};

export const edgeRevocationsConfigKeys = Object.keys(shape);
export const loadEdgeRevocationsConfig = () => readConfig(shape);

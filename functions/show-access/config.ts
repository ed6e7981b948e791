import { z } from 'zod';
import { edgeConfig } from '#shared/cdn/cdn-from-config.ts';
import { MAX_GRANT_TOKEN_SECONDS } from '#shared/cdn/revocation-repository.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { firebaseConfig, MAX_CUSTOM_TOKEN_SECONDS } from '#shared/shows/firebase-token.ts';

const shape = {
  ...databaseConfig,
  ...edgeConfig,
  ...firebaseConfig,
  /**
   * Lifetime of a viewer's playback URL: a player asks again when it expires (the token covers a
   * whole session's segments meanwhile). A revoked ticket is refused at the edge sooner, through
   * the revocation list, which keeps each entry as long as the longest token may live.
   */
  PLAYBACK_TTL_SECONDS: z.coerce.number().int().min(30).max(MAX_GRANT_TOKEN_SECONDS).default(600),
  /** Lifetime of a chat sign-in token; Firebase accepts at most an hour. */
  CHAT_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(MAX_CUSTOM_TOKEN_SECONDS).default(3600),
};

export const showAccessConfigKeys = Object.keys(shape);
export const loadShowAccessConfig = () => readConfig(shape);

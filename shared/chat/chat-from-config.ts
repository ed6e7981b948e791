import { z } from 'zod';
import { configFields } from '../config/config.ts';
import { ConfigError } from '../errors.ts';
import { parseServiceAccount } from '../shows/firebase-token.ts';
import { createFirestoreChatModeration } from './firestore-moderation.ts';
import { createLocalChatModeration } from './local-moderation.ts';
import { type ChatModeration, noChatModeration } from './moderation.ts';

/**
 * Config shape for the chat port (compose into a function's readConfig shape):
 * `CHAT_BACKEND=local` (the local cloud: CHAT_ADMIN_URL + CHAT_ADMIN_TOKEN), `firestore`
 * (production: FIREBASE_SERVICE_ACCOUNT_JSON, and FIREBASE_PROJECT_ID unless the service account's
 * own project) or `none`.
 */
export const chatModerationConfig = {
  CHAT_BACKEND: z.enum(['none', 'local', 'firestore']).default('none'),
  /** The local chat server's base URL (its admin API). */
  CHAT_ADMIN_URL: configFields.url.optional(),
  /** Bearer secret of the local chat server's admin API. */
  CHAT_ADMIN_TOKEN: z.string().min(16).optional(),
  FIREBASE_PROJECT_ID: z.string().optional(),
  /**
   * The service account's key file JSON (a Vault secret in OCI); read only when
   * CHAT_BACKEND=firestore. FIREBASE_PROJECT_ID defaults to its project, as in show-access.
   */
  FIREBASE_SERVICE_ACCOUNT_JSON: z.string().optional(),
  /** Stand-ins for tests; Google's endpoints otherwise. */
  FIRESTORE_API_BASE: configFields.url.optional(),
  GOOGLE_TOKEN_URL: configFields.url.optional(),
  CHAT_TIMEOUT_MS: configFields.positiveInt.default(5000),
};

const SERVICE_ACCOUNT_PROJECT = /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/;

export interface ChatModerationConfig {
  readonly CHAT_BACKEND: 'none' | 'local' | 'firestore';
  readonly CHAT_ADMIN_URL?: string | undefined;
  readonly CHAT_ADMIN_TOKEN?: string | undefined;
  readonly FIREBASE_PROJECT_ID?: string | undefined;
  readonly FIREBASE_SERVICE_ACCOUNT_JSON?: string | undefined;
  readonly FIRESTORE_API_BASE?: string | undefined;
  readonly GOOGLE_TOKEN_URL?: string | undefined;
  readonly CHAT_TIMEOUT_MS: number;
}

function requireKeys(config: ChatModerationConfig, names: readonly (keyof ChatModerationConfig)[]): void {
  const missing = names.filter((name) => !config[name]);
  if (missing.length > 0) {
    throw new ConfigError(
      `Invalid configuration: ${missing.map((name) => `${name} is required when CHAT_BACKEND=${config.CHAT_BACKEND}`).join('; ')}`,
      missing,
    );
  }
}

/** The adapter the configuration asks for; missing or invalid settings are a ConfigError naming them. */
export function chatModerationFromConfig(config: ChatModerationConfig): ChatModeration {
  switch (config.CHAT_BACKEND) {
    case 'none':
      return noChatModeration;
    case 'local':
      requireKeys(config, ['CHAT_ADMIN_URL', 'CHAT_ADMIN_TOKEN']);
      return createLocalChatModeration({
        adminUrl: config.CHAT_ADMIN_URL as string,
        adminToken: config.CHAT_ADMIN_TOKEN as string,
        timeoutMs: config.CHAT_TIMEOUT_MS,
      });
    case 'firestore': {
      requireKeys(config, ['FIREBASE_SERVICE_ACCOUNT_JSON']);
      let account: ReturnType<typeof parseServiceAccount>;
      try {
        account = parseServiceAccount(config.FIREBASE_SERVICE_ACCOUNT_JSON as string);
      } catch (error) {
        throw new ConfigError(
          `Invalid configuration: FIREBASE_SERVICE_ACCOUNT_JSON is invalid: ${(error as Error).message}`,
          ['FIREBASE_SERVICE_ACCOUNT_JSON'],
        );
      }
      // As show-access: the project named, else the service account's own (…@<project>.iam.gserviceaccount.com).
      const projectId = config.FIREBASE_PROJECT_ID ?? SERVICE_ACCOUNT_PROJECT.exec(account.clientEmail)?.[1];
      if (!projectId) {
        throw new ConfigError(
          'Invalid configuration: FIREBASE_PROJECT_ID is required when CHAT_BACKEND=firestore: the service account names no project',
          ['FIREBASE_PROJECT_ID'],
        );
      }
      try {
        return createFirestoreChatModeration({
          projectId,
          account,
          ...(config.FIRESTORE_API_BASE ? { apiBase: config.FIRESTORE_API_BASE } : {}),
          ...(config.GOOGLE_TOKEN_URL ? { tokenUrl: config.GOOGLE_TOKEN_URL } : {}),
          timeoutMs: config.CHAT_TIMEOUT_MS,
        });
      } catch (error) {
        throw new ConfigError(
          `Invalid configuration: FIREBASE_PROJECT_ID is invalid: ${(error as Error).message}`,
          ['FIREBASE_PROJECT_ID'],
        );
      }
    }
  }
}

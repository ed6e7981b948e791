import { z } from 'zod';
import { edgeConfig } from '#shared/cdn/cdn-from-config.ts';
import { MAX_GRANT_TOKEN_SECONDS } from '#shared/cdn/revocation-repository.ts';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig } from '#shared/config/platform.ts';
import { ConfigError } from '#shared/errors.ts';
import { firebaseConfig, MAX_CUSTOM_TOKEN_SECONDS } from '#shared/shows/firebase-token.ts';
import type { ChatTransport } from './access.ts';

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
  /**
   * The chat transport handed to browsers with their token. CHAT_WEBSOCKET_URL (ws:// or wss://):
   * the local chat server (the local cloud sets it); otherwise Firestore in FIREBASE_PROJECT_ID,
   * by default the project of the service account (`…@<project>.iam.gserviceaccount.com`).
   */
  CHAT_WEBSOCKET_URL: z
    .url()
    .refine((value) => /^wss?:\/\//.test(value), 'must be a ws:// or wss:// URL')
    .optional(),
  FIREBASE_PROJECT_ID: z
    .string()
    .regex(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'must be a Google Cloud project id')
    .optional(),
  /**
   * The Firebase project's Web API key, which the browser's Firestore transport signs in with
   * (Identity Toolkit `?key=`). Not a secret: Firebase puts it in every web app's page; it names
   * the project, and the security rules decide what a signed-in token may do. Without it the
   * Firestore answer carries no key and browsers say the chat is unavailable (Terraform requires it).
   */
  FIREBASE_WEB_API_KEY: z
    .string()
    .regex(/^[A-Za-z0-9_-]{20,100}$/, 'must be a Firebase Web API key (letters, digits, - and _)')
    .optional(),
};

export const showAccessConfigKeys = Object.keys(shape);

export function loadShowAccessConfig(source?: Readonly<Record<string, string | undefined>>) {
  const config = readConfig(shape, source);
  return { ...config, chat: chatTransportOf(config) };
}

const SERVICE_ACCOUNT_PROJECT = /@([a-z][a-z0-9-]{4,28}[a-z0-9])\.iam\.gserviceaccount\.com$/;

function chatTransportOf(config: {
  CHAT_WEBSOCKET_URL?: string | undefined;
  FIREBASE_PROJECT_ID?: string | undefined;
  FIREBASE_WEB_API_KEY?: string | undefined;
  FIREBASE_SERVICE_ACCOUNT_JSON: { clientEmail: string };
}): ChatTransport {
  if (config.CHAT_WEBSOCKET_URL) return { transport: 'websocket', url: config.CHAT_WEBSOCKET_URL };
  const projectId =
    config.FIREBASE_PROJECT_ID ??
    SERVICE_ACCOUNT_PROJECT.exec(config.FIREBASE_SERVICE_ACCOUNT_JSON.clientEmail)?.[1];
  if (!projectId) {
    throw new ConfigError(
      'Invalid configuration: FIREBASE_PROJECT_ID is required (or CHAT_WEBSOCKET_URL): the service account names no project',
      ['FIREBASE_PROJECT_ID'],
    );
  }
  return {
    transport: 'firestore',
    projectId,
    ...(config.FIREBASE_WEB_API_KEY ? { apiKey: config.FIREBASE_WEB_API_KEY } : {}),
  };
}

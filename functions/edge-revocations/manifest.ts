import { defineManifest } from '#shared/runtime/manifest.ts';
import { edgeRevocationsConfigKeys } from './config.ts';

/**
 * Pushes revoked playback grants to the CDN's revocation list (a Fastly edge dictionary) and
 * removes them once no token naming them can be valid. The same pass removes the revoked tickets'
 * holders from the show chat (the chat port: the local chat server, or Firestore's
 * revokedTickets). Revocations are written by whoever revokes (stripe-webhook, stripe-sweep,
 * tickets) in their own transaction; only this function holds the Fastly token that may write
 * dictionaries (FASTLY_REVOCATION_API_TOKEN).
 */
export const edgeRevocationsManifest = defineManifest({
  name: 'edge-revocations',
  summary:
    'Pushes revoked tickets to the CDN edge’s revocation list and to the show chat, so their playback URLs stop working and their holders leave the chat; prunes entries no token can outlive.',
  kind: 'event',
  memoryMb: 128,
  // A tick may watch for up to REVOCATION_WATCH_SECONDS (240 at most) and then push once more.
  timeoutSeconds: 300,
  routes: [],
  events: [],
  // Every 2 s locally; OCI's scheduler fires once a minute and each tick watches for 50 s.
  schedules: [{ name: 'push', everySeconds: 2 }],
  config: edgeRevocationsConfigKeys,
});

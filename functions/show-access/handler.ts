import { z } from 'zod';
import { playbackUrlsFromConfig } from '#shared/cdn/cdn-from-config.ts';
import { createPool } from '#shared/db/pool.ts';
import { ID_PATTERN } from '#shared/ids.ts';
import { validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { chatAdmissionFor, chatTokenFor, playbackFor } from './access.ts';
import { loadShowAccessConfig } from './config.ts';
import { showAccessManifest } from './manifest.ts';

const config = loadShowAccessConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const urls = playbackUrlsFromConfig(config);
const showIdSchema = z.string().regex(ID_PATTERN, 'not a show id');

export const handler = httpFunction(showAccessManifest, () => ({
  getShowPlayback: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'tickets:read', 'tickets:buy', 'shows:write');
    const showId = validate(showIdSchema, req.params.id, 'path');
    // A person's own ticket (portal session), the organisation's (API key), or the show's own
    // organisation watching it.
    const playback = await playbackFor(pool, urls, config.PLAYBACK_TTL_SECONDS, showId, principal);
    res
      .set('Cache-Control', 'private, no-store')
      .json({ url: playback.url, expiresAt: playback.expiresAt.toISOString(), live: playback.live });
  },

  getShowChatToken: async (req, res) => {
    const principal = requirePrincipal(req);
    requireScope(principal, 'tickets:read', 'tickets:buy', 'shows:write');
    const showId = validate(showIdSchema, req.params.id, 'path');
    const admission = await chatAdmissionFor(pool, principal, showId);
    const access = chatTokenFor(
      config.FIREBASE_SERVICE_ACCOUNT_JSON,
      config.CHAT_TOKEN_TTL_SECONDS,
      admission,
    );
    res.set('Cache-Control', 'private, no-store').json({
      token: access.token,
      uid: access.uid,
      expiresAt: access.expiresAt.toISOString(),
      role: access.role,
      chat: config.chat,
    });
  },
}));

import { z } from 'zod';
import { NotFoundError } from '#shared/errors.ts';
import { ID_PATTERN } from '#shared/ids.ts';
import type { RouteContracts } from '#shared/runtime/manifest.ts';
import { notReady, notStarted, noValidTicket, replayPending, showCancelled } from './errors.ts';
import { chatTokenResponse, playbackResponse } from './responses.ts';

// The handler validates the id with the same pattern.
const byId = z.object({ id: z.string().regex(ID_PATTERN, 'not a show id') });
const refusals = () => [new NotFoundError(''), noValidTicket(), showCancelled()];

/** The show-access routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  getShowPlayback: {
    summary: 'A short-lived tokenised HLS URL of the show’s live stream or video (ticket holders)',
    description:
      'While the show’s live stream is on (or reconnecting), the live master playlist (`live: true`); once the recording is ready, the video’s. Ask again before `expiresAt`: the player keeps playing with the new URL’s token.',
    params: byId,
    body: null,
    responses: { 200: { description: '`url` and `expiresAt`', schema: playbackResponse } },
    problems: () => [...refusals(), notReady(''), notStarted(), replayPending()],
  },
  getShowChatToken: {
    summary: 'A custom token admitting a ticket holder, or the show’s moderators, to the show’s chat',
    description:
      'A valid ticket of the caller’s (the person’s with a portal session, the organisation’s with an API key) admits as `viewer`; a member or key of the show’s organisation holding `shows:write` is a `moderator` without a ticket. `chat` says where to connect: the local chat server (`websocket`) or Firestore.',
    params: byId,
    body: null,
    responses: {
      200: { description: '`token`, `uid`, `expiresAt`, `role` and `chat`', schema: chatTokenResponse },
    },
    problems: refusals,
  },
} satisfies RouteContracts;

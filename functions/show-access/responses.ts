import { z } from 'zod';

/** The JSON the show-access routes answer with, for the API reference (type-tested against the handler's values). */
const instant = z.iso.datetime();

export const playbackResponse = z.object({
  url: z.string().describe('Tokenised master playlist at the edge, bound to the ticket'),
  expiresAt: instant,
  live: z.boolean().describe('The live playlist of a show that is on; false for the recorded video'),
});

export const chatTransportResponse = z.discriminatedUnion('transport', [
  z.object({
    transport: z.literal('websocket'),
    url: z.string().describe('The chat server: send `hello` with the token first'),
  }),
  z.object({
    transport: z.literal('firestore'),
    projectId: z.string().describe('The Firebase project'),
    apiKey: z
      .string()
      .optional()
      .describe(
        'The project’s Web API key: sign in with the token at Identity Toolkit (`accounts:signInWithCustomToken?key=`); absent when the deployment has none',
      ),
  }),
]);

export const chatTokenResponse = z.object({
  token: z
    .string()
    .describe(
      'Firebase custom token (RS256): sign in with it. Developer claims: `showId`, `ticketId` (null for moderators), `role`, `name`',
    ),
  uid: z.string().describe('`u_<userId>` for a person, `o_<orgId>` for an API key'),
  expiresAt: instant,
  role: z.enum(['viewer', 'moderator']).describe('`moderator`: the show’s organisation (`shows:write`)'),
  chat: chatTransportResponse.describe('Where to connect'),
});

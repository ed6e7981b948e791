import { z } from 'zod';

/** The JSON the show-access routes answer with, for the API reference (type-tested against the handler's values). */
const instant = z.iso.datetime();

export const playbackResponse = z.object({
  url: z.string().describe('Tokenised master playlist at the edge, bound to the ticket'),
  expiresAt: instant,
  live: z.boolean().describe('The live playlist of a show that is on; false for the recorded video'),
});

export const chatTokenResponse = z.object({
  token: z.string().describe('Firebase custom token (RS256): sign in with it'),
  uid: z.string(),
  expiresAt: instant,
});

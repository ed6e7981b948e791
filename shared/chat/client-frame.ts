import { z } from 'zod';
import { MAX_FRAME_BYTES, MAX_MUTE_MINUTES } from './protocol.ts';

/**
 * The frames a chat client sends, as the server reads them (protocol: shared/chat/protocol.ts).
 * Apart from protocol.ts so that the browser, which imports that, does not bundle zod.
 */

const ref = z.string().min(1).max(64).optional();

export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    showId: z.string().min(1).max(64),
    token: z.string().min(1).max(4096),
  }),
  z.object({ type: z.literal('send'), text: z.string().max(MAX_FRAME_BYTES), ref }),
  z.object({ type: z.literal('delete'), messageId: z.string().min(1).max(64), ref }),
  z.object({
    type: z.literal('mute'),
    uid: z.string().min(1).max(128),
    minutes: z.number().int().min(1).max(MAX_MUTE_MINUTES),
    ref,
  }),
  z.object({ type: z.literal('unmute'), uid: z.string().min(1).max(128), ref }),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;

/** Reads one client frame; undefined when it is not JSON or not a frame this protocol knows. */
export function parseClientFrame(data: string): ClientFrame | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(data);
  } catch {
    return undefined;
  }
  const result = clientFrameSchema.safeParse(parsed);
  return result.success ? result.data : undefined;
}

import { z } from 'zod';
import { ID_PATTERN } from '#shared/ids.ts';

export const ticketIdSchema = z.string().regex(ID_PATTERN, 'not a ticket id');
const showIdSchema = z.string().regex(ID_PATTERN, 'not a show id');

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: ticketIdSchema.optional(),
  showId: showIdSchema.optional(),
});

export const checkInSchema = z.strictObject({
  /** What the QR code holds; its form is checked by verifyTicketCode, which says what is wrong. */
  code: z.string().min(1).max(200),
  /** The show at whose door the scanner stands: a ticket for another show is refused. */
  showId: showIdSchema.optional(),
});
export type CheckInInput = z.infer<typeof checkInSchema>;

export const revokeSchema = z.strictObject({
  reason: z.string().trim().min(1).max(200).optional(),
});

/** Check-in and revoke bodies are a few hundred bytes. */
export const MAX_TICKET_BODY_BYTES = 4 * 1024;

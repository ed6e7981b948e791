/**
 * What the door says after a check-in, from the API's answer: admitted, or refused and why. Pure,
 * for Node unit tests.
 */
import { problemKind } from '../app/problems.ts';

export type DoorResult =
  | { readonly kind: 'admitted'; readonly seat: number }
  | { readonly kind: 'already-checked-in'; readonly at: string | null }
  | {
      readonly kind: 'wrong-show' | 'revoked' | 'invalid' | 'unknown' | 'cancelled' | 'not-yours';
    };

/** The refusal a check-in problem means, or null for a problem that is not about the ticket (a 503). */
export function doorRefusal(problem: {
  readonly type: string;
  readonly code?: string;
  readonly status: number;
  readonly [more: string]: unknown;
}): DoorResult | null {
  switch (problemKind(problem)) {
    case 'already-checked-in':
      return {
        kind: 'already-checked-in',
        at: typeof problem.checkedInAt === 'string' ? problem.checkedInAt : null,
      };
    case 'wrong-show':
      return { kind: 'wrong-show' };
    case 'ticket-revoked':
      return { kind: 'revoked' };
    case 'invalid-ticket-code':
    case 'malformed-ticket-code':
      return { kind: 'invalid' };
    case 'ticket-not-found':
      return { kind: 'unknown' };
    case 'show-cancelled':
      return { kind: 'cancelled' };
    case 'not-your-show':
      return { kind: 'not-yours' };
    default:
      // a code that fails the body's schema is not a ticket code either
      return problem.status === 400 ? { kind: 'invalid' } : null;
  }
}

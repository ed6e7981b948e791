import type { EdgeRevocationList } from '#shared/cdn/revocation-list.ts';
import type { ChatModeration } from '#shared/chat/moderation.ts';

/** Why a pass could not tell every sink; `needsOperator` when one refused our credentials or request. */
export class RevocationSinksError extends Error {
  readonly needsOperator: boolean;
  constructor(failures: readonly { sink: string; error: unknown }[]) {
    super(
      failures
        .map(({ sink, error }) => `${sink}: ${error instanceof Error ? error.message : String(error)}`)
        .join('; '),
      { cause: failures[0]?.error },
    );
    this.name = 'RevocationSinksError';
    this.needsOperator = failures.some(
      ({ error }) => (error as { retryable?: unknown } | null)?.retryable === false,
    );
  }
}

/**
 * The revocation list as pushRevocations sees it, telling two sinks at once: the CDN edge (a
 * revoked ticket's playback URLs stop) and the show chat (its holder is removed and refused). Both
 * are told every pass, whatever the other answered; if either fails the pass fails, so the rows
 * stay unacknowledged and the next pass tells both again (each sink takes a repeat as a no-op).
 * Removals (entries no playback token can outlive) reach the edge only: a chat keeps refusing a
 * revoked ticket for good (a Firebase session refreshes its claims as long as it lasts).
 */
export function revocationSinks(edge: EdgeRevocationList, chat: ChatModeration): EdgeRevocationList {
  return {
    async apply(changes) {
      const ticketIds = changes.upsert.map((entry) => entry.grantId);
      const [edgeResult, chatResult] = await Promise.allSettled([
        edge.apply(changes),
        ticketIds.length > 0 ? chat.revokeTickets(ticketIds) : Promise.resolve(),
      ]);
      const failures = [
        ...(edgeResult.status === 'rejected' ? [{ sink: 'edge', error: edgeResult.reason as unknown }] : []),
        ...(chatResult.status === 'rejected' ? [{ sink: 'chat', error: chatResult.reason as unknown }] : []),
      ];
      if (failures.length > 0) throw new RevocationSinksError(failures);
    },
  };
}

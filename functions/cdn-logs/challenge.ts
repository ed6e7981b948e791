import { createHash } from 'node:crypto';

/**
 * The body of `/.well-known/fastly/logging/challenge`: one line per allowed Fastly service, the
 * hex SHA-256 of its id, or a line `*` that admits any service.
 */
export function challengeBody(serviceIds: readonly string[]): string {
  const lines = serviceIds.map((id) => (id === '*' ? '*' : createHash('sha256').update(id).digest('hex')));
  return `${lines.join('\n')}\n`;
}

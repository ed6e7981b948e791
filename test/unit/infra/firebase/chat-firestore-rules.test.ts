import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_LENGTH, MAX_MUTE_MINUTES } from '#shared/chat/protocol.ts';

const RULES = readFileSync(new URL('../../../../infra/firebase/firestore.rules', import.meta.url), 'utf8');
const code = RULES.split('\n')
  .filter((line) => !line.trim().startsWith('//'))
  .join('\n');

/**
 * The Firestore emulator cannot run here, so the rules are held to the chat's own limits and data
 * model by reading them: what the local chat server enforces, Firestore enforces the same way.
 */
describe('File: infra/firebase/firestore.rules', () => {
  it('limits text as the local chat server does', () => {
    expect(code).toContain(`text.size() <= ${MAX_MESSAGE_LENGTH}`);
    expect(code).toContain('text.size() >= 1');
    expect(code).toContain('text == text.trim()');
    expect(MAX_MUTE_MINUTES).toBe(24 * 60);
    expect(code).toContain("until <= request.time + duration.value(1, 'd')");
  });

  it('admits only a token for the show, with a ticket not revoked and not muted, writing as itself', () => {
    expect(code).toContain('request.auth.token.showId == showId');
    expect(code).toMatch(
      /!exists\(\/databases\/\$\(database\)\/documents\/revokedTickets\/\$\(request\.auth\.token\.ticketId\)\)/,
    );
    expect(code).toContain('notMuted(showId)');
    expect(code).toContain('request.resource.data.uid == request.auth.uid');
    expect(code).toContain('request.resource.data.name == request.auth.token.name');
    expect(code).toContain('request.resource.data.role == request.auth.token.role');
    expect(code).toContain("resource.data.lastPostAt + duration.value(2, 's') <= request.time");
  });

  it('keeps the paths the Firestore adapter writes, and denies everything else', () => {
    for (const path of [
      '/shows/{showId}/messages/{messageId}',
      '/shows/{showId}/mutes/{uid}',
      '/revokedTickets/{ticketId}',
    ]) {
      expect(code).toContain(`match ${path}`);
    }
    expect(code).toMatch(/match \/\{document=\*\*\} \{\s*allow read, write: if false;/);
    expect(code).toMatch(/match \/revokedTickets\/\{ticketId\} \{\s*allow read, write: if false;/);
    expect(code.split('{').length).toBe(code.split('}').length);
    expect(code.split('(').length).toBe(code.split(')').length);
  });
});

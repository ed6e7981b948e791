import { describe, expect, it } from 'vitest';
import { authorize, type KeyLookup, type StoredKey } from '#functions/authorizer/authorize.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';

const NOW = new Date('2025-06-01T12:00:00.000Z');

class InMemoryKeys implements KeyLookup {
  readonly lookups: string[] = [];
  private readonly keys = new Map<string, StoredKey>();

  add(key: StoredKey): void {
    this.keys.set(key.keyId, key);
  }

  async find(keyId: string): Promise<StoredKey | undefined> {
    this.lookups.push(keyId);
    return this.keys.get(keyId);
  }
}

function setup(overrides: Partial<Omit<StoredKey, 'keyId' | 'secretHash'>> = {}) {
  const issued = issueApiKey();
  const keys = new InMemoryKeys();
  keys.add({
    keyId: issued.keyId,
    orgId: 'org-7',
    secretHash: issued.secretHash,
    scopes: ['designs:read', 'designs:write'],
    expiresAt: null,
    revokedAt: null,
    ...overrides,
  });
  return { issued, keys };
}

describe('Function: authorize', () => {
  it('answers active with the context for a valid key', async () => {
    // Prepare
    const { issued, keys } = setup();

    // Act
    const answer = await authorize({ type: 'TOKEN', token: issued.plaintext }, keys, NOW);

    // Assess
    expect(answer).toEqual({
      active: true,
      principal: `key:${issued.keyId}`,
      scope: ['designs:read', 'designs:write'],
      clientId: issued.keyId,
      expiresAt: new Date(NOW.getTime() + 60_000).toISOString(),
      context: {
        principal: `key:${issued.keyId}`,
        orgId: 'org-7',
        scopes: 'designs:read designs:write',
        keyId: issued.keyId,
      },
    });
  });

  it('never lets the answer outlive the key', async () => {
    // Prepare
    const expiresAt = new Date(NOW.getTime() + 5_000);
    const { issued, keys } = setup({ expiresAt });

    // Act
    const answer = await authorize({ type: 'TOKEN', token: issued.plaintext }, keys, NOW);

    // Assess
    expect(answer.active).toBe(true);
    const answerExpiry = answer.active ? Date.parse(answer.expiresAt) : Number.NaN;
    expect(answerExpiry).toBeLessThanOrEqual(expiresAt.getTime());
    expect(answerExpiry).toBeLessThanOrEqual(NOW.getTime() + 60_000);
    expect(answerExpiry).toBe(expiresAt.getTime());
  });

  it('accepts a Bearer prefix in any case', async () => {
    // Prepare
    const { issued, keys } = setup();

    // Act
    const bearer = await authorize({ type: 'TOKEN', token: `Bearer ${issued.plaintext}` }, keys, NOW);
    const lower = await authorize({ type: 'TOKEN', token: `bearer  ${issued.plaintext}` }, keys, NOW);

    // Assess
    expect(bearer.active).toBe(true);
    expect(lower.active).toBe(true);
  });

  it('gives the same answer for an unknown key and a wrong secret', async () => {
    // Prepare
    const { issued, keys } = setup();
    const stranger = issueApiKey();
    const wrongSecret = `fck_${issued.keyId}_${stranger.plaintext.slice(-43)}`;

    // Act
    const unknown = await authorize({ type: 'TOKEN', token: stranger.plaintext }, keys, NOW);
    const wrong = await authorize({ type: 'TOKEN', token: wrongSecret }, keys, NOW);

    // Assess
    expect(unknown).toEqual({
      active: false,
      wwwAuthenticate: 'Bearer error="invalid_token", error_description="unknown credential"',
    });
    expect(wrong).toEqual(unknown);
  });

  it('refuses a malformed credential without a lookup', async () => {
    // Prepare
    const { keys } = setup();

    // Act
    const answer = await authorize({ type: 'TOKEN', token: 'not-a-key' }, keys, NOW);

    // Assess
    expect(answer).toMatchObject({ active: false, wwwAuthenticate: expect.stringContaining('malformed') });
    expect(keys.lookups).toEqual([]);
  });

  it('refuses a revoked key', async () => {
    // Prepare
    const { issued, keys } = setup({ revokedAt: new Date(NOW.getTime() - 1) });

    // Act
    const answer = await authorize({ type: 'TOKEN', token: issued.plaintext }, keys, NOW);

    // Assess
    expect(answer).toMatchObject({ active: false, wwwAuthenticate: expect.stringContaining('revoked') });
  });

  it('still accepts a key whose revocation lies in the future', async () => {
    // Prepare
    const { issued, keys } = setup({ revokedAt: new Date(NOW.getTime() + 60_000) });

    // Act
    const answer = await authorize({ type: 'TOKEN', token: issued.plaintext }, keys, NOW);

    // Assess
    expect(answer.active).toBe(true);
  });

  it('refuses an expired key, including one expiring right now', async () => {
    // Prepare
    const past = setup({ expiresAt: new Date(NOW.getTime() - 1_000) });
    const exact = setup({ expiresAt: NOW });

    // Act
    const expired = await authorize({ type: 'TOKEN', token: past.issued.plaintext }, past.keys, NOW);
    const atNow = await authorize({ type: 'TOKEN', token: exact.issued.plaintext }, exact.keys, NOW);

    // Assess
    expect(expired).toMatchObject({ active: false, wwwAuthenticate: expect.stringContaining('expired') });
    expect(atNow.active).toBe(false);
  });

  it('reads data.token from USER_DEFINED input', async () => {
    // Prepare
    const { issued, keys } = setup();

    // Act
    const answer = await authorize(
      { type: 'USER_DEFINED', data: { token: `Bearer ${issued.plaintext}` } },
      keys,
      NOW,
    );

    // Assess
    expect(answer).toMatchObject({ active: true, clientId: issued.keyId });
  });

  it('falls back to data.authorization and refuses empty USER_DEFINED input', async () => {
    // Prepare
    const { issued, keys } = setup();

    // Act
    const viaAuthorization = await authorize(
      { type: 'USER_DEFINED', data: { authorization: issued.plaintext } },
      keys,
      NOW,
    );
    const empty = await authorize({ type: 'USER_DEFINED', data: {} }, keys, NOW);

    // Assess
    expect(viaAuthorization.active).toBe(true);
    expect(empty.active).toBe(false);
  });
});

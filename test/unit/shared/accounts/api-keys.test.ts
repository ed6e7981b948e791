import { describe, expect, it } from 'vitest';
import { issueApiKey, parseApiKey, secretMatches } from '#shared/accounts/api-keys.ts';

const KEY_ID = 'abcdef0123456789';
const SECRET = `${'A'.repeat(20)}_-${'z9'.repeat(10)}x`;

describe('Function: issueApiKey', () => {
  it('issues a key that parses back to its id and a secret matching the hash', () => {
    // Act
    const issued = issueApiKey();
    const parsed = parseApiKey(issued.plaintext);

    // Assess
    expect(issued.plaintext).toMatch(/^fck_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
    expect(parsed?.keyId).toBe(issued.keyId);
    expect(parsed && secretMatches(parsed.secret, issued.secretHash)).toBe(true);
  });

  it('never stores the plaintext or the secret', () => {
    // Act
    const issued = issueApiKey();
    const secret = parseApiKey(issued.plaintext)?.secret ?? '';

    // Assess
    expect(issued.secretHash.length).toBe(32);
    expect(issued.secretHash.equals(Buffer.from(issued.plaintext))).toBe(false);
    expect(issued.secretHash.equals(Buffer.from(secret))).toBe(false);
    expect(issued.secretHash.toString('utf8')).not.toContain(secret);
    expect(issued.secretHash.toString('base64url')).not.toBe(secret);
  });

  it('issues a different key every time', () => {
    // Act
    const a = issueApiKey();
    const b = issueApiKey();

    // Assess
    expect(a.keyId).not.toBe(b.keyId);
    expect(a.plaintext).not.toBe(b.plaintext);
    expect(a.secretHash.equals(b.secretHash)).toBe(false);
  });
});

describe('Function: parseApiKey', () => {
  it('parses a well-formed key and trims surrounding space', () => {
    // Act
    const parsed = parseApiKey(`  fck_${KEY_ID}_${SECRET}\n`);

    // Assess
    expect(SECRET).toHaveLength(43);
    expect(parsed).toEqual({ keyId: KEY_ID, secret: SECRET });
  });

  it.each([
    ['a wrong prefix', `fkc_${KEY_ID}_${SECRET}`],
    ['an upper-case prefix', `FCK_${KEY_ID}_${SECRET}`],
    ['no prefix', `${KEY_ID}_${SECRET}`],
    ['a short key id', `fck_${KEY_ID.slice(1)}_${SECRET}`],
    ['a long key id', `fck_${KEY_ID}0_${SECRET}`],
    ['an upper-case key id', `fck_${KEY_ID.toUpperCase()}_${SECRET}`],
    ['a short secret', `fck_${KEY_ID}_${SECRET.slice(1)}`],
    ['a long secret', `fck_${KEY_ID}_${SECRET}A`],
    ['a character outside base64url', `fck_${KEY_ID}_${SECRET.slice(1)}+`],
    ['trailing characters', `fck_${KEY_ID}_${SECRET} extra`],
    ['leading characters', `Bearer fck_${KEY_ID}_${SECRET}`],
    ['an empty string', ''],
  ])('refuses %s', (_label, presented) => {
    // Act / Assess
    expect(parseApiKey(presented)).toBeUndefined();
  });
});

describe('Function: secretMatches', () => {
  it('answers false for a different secret and for a hash of another length', () => {
    // Prepare
    const issued = issueApiKey();
    const secret = parseApiKey(issued.plaintext)?.secret ?? '';
    const flipped = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1);

    // Act / Assess
    expect(secretMatches(secret, issued.secretHash)).toBe(true);
    expect(secretMatches(flipped, issued.secretHash)).toBe(false);
    expect(secretMatches(secret, issued.secretHash.subarray(0, 16))).toBe(false);
    expect(secretMatches(secret, Buffer.alloc(0))).toBe(false);
  });
});

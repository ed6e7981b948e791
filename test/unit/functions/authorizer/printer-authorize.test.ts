import { describe, expect, it } from 'vitest';
import { authorize, type KeyLookup, type StoredPrinter } from '#functions/authorizer/authorize.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import { newId } from '#shared/ids.ts';
import { issuePrinterCredential } from '#shared/printers/printer-credential.ts';

const NOW = new Date('2025-06-01T12:00:00.000Z');

function setup(status: StoredPrinter['status'] = 'active') {
  const printerId = newId();
  const issued = issuePrinterCredential(printerId);
  const apiKey = issueApiKey();
  const lookups: string[] = [];
  const keys: KeyLookup = {
    async find(keyId) {
      lookups.push(`key:${keyId}`);
      return keyId === apiKey.keyId
        ? {
            keyId,
            orgId: 'org-api',
            secretHash: apiKey.secretHash,
            scopes: ['printers:write'],
            expiresAt: null,
            revokedAt: null,
          }
        : undefined;
    },
    async findPrinter(id) {
      lookups.push(`printer:${id}`);
      return id === printerId
        ? { printerId, orgId: 'org-7', credentialHash: issued.secretHash, status }
        : undefined;
    },
  };
  return { printerId, credential: issued.plaintext, apiKey, keys, lookups };
}

describe('Function: authorize (printer credentials)', () => {
  it('answers a printer credential with principal printer:<id>, its organisation and prints:authorize', async () => {
    // Prepare
    const { printerId, credential, keys, lookups } = setup();

    // Act
    const answer = await authorize({ type: 'TOKEN', token: `Bearer ${credential}` }, keys, NOW);

    // Assess
    expect(answer).toEqual({
      active: true,
      principal: `printer:${printerId}`,
      scope: ['prints:authorize'],
      clientId: printerId,
      expiresAt: new Date(NOW.getTime() + 60_000).toISOString(),
      context: {
        principal: `printer:${printerId}`,
        orgId: 'org-7',
        scopes: 'prints:authorize',
        keyId: printerId,
      },
    });
    expect(lookups).toEqual([`printer:${printerId}`]);
  });

  it('gives the same refusal for an unknown printer, a wrong secret and a retired printer', async () => {
    // Prepare
    const active = setup();
    const retired = setup('retired');
    const wrongSecret = `${active.credential.slice(0, -43)}${issuePrinterCredential(newId()).plaintext.slice(-43)}`;
    const unknown = issuePrinterCredential(newId()).plaintext;

    // Act
    const answers = await Promise.all([
      authorize({ type: 'TOKEN', token: unknown }, active.keys, NOW),
      authorize({ type: 'TOKEN', token: wrongSecret }, active.keys, NOW),
      authorize({ type: 'TOKEN', token: retired.credential }, retired.keys, NOW),
    ]);

    // Assess
    for (const answer of answers) {
      expect(answer).toEqual({
        active: false,
        wwwAuthenticate: 'Bearer error="invalid_token", error_description="unknown credential"',
      });
    }
  });

  it('refuses printer credentials where no printer lookup is given', async () => {
    // Prepare
    const { credential, keys } = setup();
    const keysOnly: KeyLookup = { find: keys.find };

    // Act
    const answer = await authorize({ type: 'TOKEN', token: credential }, keysOnly, NOW);

    // Assess
    expect(answer.active).toBe(false);
  });

  it('keeps API keys working beside printers, without a printer lookup', async () => {
    // Prepare
    const { apiKey, keys, lookups } = setup();

    // Act
    const answer = await authorize({ type: 'TOKEN', token: apiKey.plaintext }, keys, NOW);

    // Assess
    expect(answer).toMatchObject({
      active: true,
      principal: `key:${apiKey.keyId}`,
      scope: ['printers:write'],
    });
    expect(lookups).toEqual([`key:${apiKey.keyId}`]);
  });
});

import { describe, expect, it } from 'vitest';
import { printerOf, requirePrinter } from '#functions/print-authorize/printer-principal.ts';
import { ForbiddenError } from '#shared/errors.ts';

const printerId = '01J0000000000000000000000A';

describe('Function: printerOf', () => {
  it('reads the printer and its organisation from a printer principal', () => {
    // Act
    const printer = printerOf({
      principal: `printer:${printerId}`,
      orgId: 'org-1',
      scopes: ['prints:authorize'],
      keyId: printerId,
    });

    // Assess
    expect(printer).toEqual({ printerId, orgId: 'org-1' });
  });

  it.each([
    [
      'an API key, even with prints:authorize',
      { principal: 'key:abcdef0123456789', scopes: ['prints:authorize'] },
    ],
    ['a printer principal without the scope', { principal: `printer:${printerId}`, scopes: [] }],
    ['a malformed printer id', { principal: 'printer:../../etc', scopes: ['prints:authorize'] }],
  ])('is not a printer: %s', (_what, partial) => {
    // Prepare
    const principal = { orgId: 'org-1', keyId: 'k', ...partial };

    // Act + Assess
    expect(printerOf(principal)).toBeUndefined();
    expect(() => requirePrinter(principal)).toThrow(ForbiddenError);
  });
});

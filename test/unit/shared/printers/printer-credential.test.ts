import { describe, expect, it } from 'vitest';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import { newId } from '#shared/ids.ts';
import {
  issuePrinterCredential,
  parsePrinterCredential,
  printerSecretMatches,
} from '#shared/printers/printer-credential.ts';

describe('Module: printer credential', () => {
  describe('Method: issuePrinterCredential', () => {
    it('builds fcp_<lower-case printer id>_<43 base64url characters>', () => {
      // Prepare
      const printerId = newId();

      // Act
      const issued = issuePrinterCredential(printerId);

      // Assess
      expect(issued.plaintext).toMatch(new RegExp(`^fcp_${printerId.toLowerCase()}_[A-Za-z0-9_-]{43}$`));
      expect(issued.secretHash).toHaveLength(32);
    });

    it('draws a new secret every time for the same printer', () => {
      // Prepare
      const printerId = newId();

      // Act
      const first = issuePrinterCredential(printerId);
      const second = issuePrinterCredential(printerId);

      // Assess
      expect(first.plaintext).not.toBe(second.plaintext);
      expect(first.secretHash.equals(second.secretHash)).toBe(false);
    });

    it('refuses an id that is not a ULID', () => {
      // Act + Assess
      expect(() => issuePrinterCredential('printer-1')).toThrow(RangeError);
    });
  });

  describe('Method: parsePrinterCredential', () => {
    it('gives back the stored (upper-case) printer id and the secret', () => {
      // Prepare
      const printerId = newId();
      const { plaintext } = issuePrinterCredential(printerId);

      // Act
      const parsed = parsePrinterCredential(`  ${plaintext} `);

      // Assess
      expect(parsed).toEqual({ printerId, secret: plaintext.slice(-43) });
    });

    it.each([
      ['an API key', issueApiKey().plaintext],
      ['another prefix', `fcx_${newId().toLowerCase()}_${'a'.repeat(43)}`],
      ['an upper-case id', `fcp_${newId()}_${'a'.repeat(43)}`],
      ['a short secret', `fcp_${newId().toLowerCase()}_${'a'.repeat(42)}`],
      ['a long secret', `fcp_${newId().toLowerCase()}_${'a'.repeat(44)}`],
      ['a letter outside Crockford base 32', `fcp_${'u'.repeat(26)}_${'a'.repeat(43)}`],
      ['nothing', ''],
    ])('does not take %s for a printer credential', (_what, presented) => {
      // Act + Assess
      expect(parsePrinterCredential(presented)).toBeUndefined();
    });
  });

  describe('Method: printerSecretMatches', () => {
    it('matches the issued secret and nothing else', () => {
      // Prepare
      const issued = issuePrinterCredential(newId());
      const secret = issued.plaintext.slice(-43);
      const other = issuePrinterCredential(newId()).plaintext.slice(-43);

      // Act + Assess
      expect(printerSecretMatches(secret, issued.secretHash)).toBe(true);
      expect(printerSecretMatches(other, issued.secretHash)).toBe(false);
      expect(printerSecretMatches(secret, issued.secretHash.subarray(0, 16))).toBe(false);
    });
  });
});

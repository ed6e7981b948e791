import { describe, expect, it } from 'vitest';
import { MAX_PRINTS as LEDGER_MAX_PRINTS } from '#shared/licenses/license.ts';
import {
  formatPrintsUsage,
  type LicenseView,
  licenseState,
  printsUsedPercent,
  shortId,
} from '../../../../web/src/app/license-view.ts';
import {
  checkMintForm,
  endOfDayUtc,
  keyForSubmission,
  MAX_PRINTS,
  type MintFormValues,
  parsePrinterIds,
} from '../../../../web/src/pages/licensor/mint-form.ts';

const NOW = new Date('2026-12-07T10:00:00Z');
const DESIGN = '01KBZ8Q4Y7T0M8D1S9V6R2N3XA';
const HOLDER = '01KBZ8Q4Y7T0M8D1S9V6R2N3XB';
const PRINTER = '01KBZ8Q4Y7T0M8D1S9V6R2N3XC';

const prints = (used: number, reserved: number, total: number) => ({
  total,
  used,
  reserved,
  left: total - used - reserved,
  failuresRefunded: 0,
  settledOnChain: 0,
});

function license(overrides: Partial<LicenseView> = {}): LicenseView {
  return {
    id: '01KBZ8Q4Y7T0M8D1S9V6R2N3XD',
    designId: DESIGN,
    holderOrgId: HOLDER,
    issuerOrgId: HOLDER,
    status: 'active',
    failureReason: null,
    terms: { prints: 10, expiresAt: '2027-12-31T23:59:59.000Z', failureAllowance: 0, printerIds: [] },
    prints: prints(3, 0, 10),
    revocation: null,
    chain: { state: 'confirmed', transactionHash: null, blockNumber: null },
    createdAt: NOW.toISOString(),
    activatedAt: NOW.toISOString(),
    ...overrides,
  };
}

const form = (overrides: Partial<MintFormValues> = {}): MintFormValues => ({
  designId: DESIGN,
  holderOrgId: HOLDER,
  prints: '10',
  expiresOn: '2027-12-31',
  failureAllowance: '0',
  printerIds: '',
  ...overrides,
});

describe('Module: web licensor license-view', () => {
  describe('Function: formatPrintsUsage', () => {
    it('says how many prints are used and left, in English and Italian', () => {
      // Act + Assess
      expect(formatPrintsUsage('en', prints(3, 0, 10))).toBe('3 of 10 used · 7 left');
      expect(formatPrintsUsage('it', prints(3, 0, 10))).toBe('3 di 10 usate · 7 rimaste');
    });

    it('agrees the Italian participle with one print and counts prints in progress', () => {
      // Act + Assess
      expect(formatPrintsUsage('it', prints(1, 2, 4))).toBe('1 di 4 usata · 1 rimasta (2 in stampa)');
      expect(formatPrintsUsage('en', prints(1, 2, 4))).toBe('1 of 4 used · 1 left (2 printing)');
    });

    it('groups thousands the way each language does (Italian from five digits)', () => {
      // Act + Assess
      expect(formatPrintsUsage('en', prints(12000, 0, 50000))).toBe('12,000 of 50,000 used · 38,000 left');
      expect(formatPrintsUsage('it', prints(12000, 0, 50000))).toBe(
        '12.000 di 50.000 usate · 38.000 rimaste',
      );
      expect(formatPrintsUsage('it', prints(1200, 0, 5000))).toBe('1200 di 5000 usate · 3800 rimaste');
    });
  });

  describe('Function: printsUsedPercent', () => {
    it('counts prints in progress as taken and stays within 0 to 100', () => {
      // Act + Assess
      expect(printsUsedPercent(prints(3, 2, 10))).toBe(50);
      expect(printsUsedPercent(prints(0, 0, 3))).toBe(0);
      expect(printsUsedPercent({ ...prints(0, 0, 0), left: 0 })).toBe(100);
    });
  });

  describe('Function: licenseState', () => {
    it('reads an active license past its expiry as expired and one with nothing left as used up', () => {
      // Act + Assess
      expect(licenseState(license(), NOW)).toBe('active');
      expect(
        licenseState(license({ terms: { ...license().terms, expiresAt: '2026-12-01T00:00:00Z' } }), NOW),
      ).toBe('expired');
      expect(licenseState(license({ prints: prints(8, 2, 10) }), NOW)).toBe('used-up');
    });

    it('puts revocation before everything else and keeps pending and failed as they are', () => {
      // Act + Assess
      const revoked = license({
        status: 'revoked',
        revocation: { revokedAt: NOW.toISOString(), reason: null },
      });
      expect(licenseState(revoked, NOW)).toBe('revoked');
      expect(licenseState(license({ status: 'pending' }), NOW)).toBe('pending');
      expect(licenseState(license({ status: 'failed' }), NOW)).toBe('failed');
    });
  });

  describe('Function: shortId', () => {
    it('keeps the tail of a ULID, where ids made in the same millisecond differ', () => {
      // Act + Assess
      expect(shortId('01KBZ8Q4Y7T0M8D1S9V6R2N3XD')).toBe('…V6R2N3XD');
      expect(shortId('short')).toBe('short');
    });
  });
});

describe('Module: web licensor mint-form', () => {
  describe('Function: checkMintForm', () => {
    it('turns a filled form into the request body, the license running to the end of its last day', () => {
      // Act
      const check = checkMintForm(
        form({ holderOrgId: ` ${HOLDER.toLowerCase()} `, failureAllowance: '' }),
        NOW,
      );

      // Assess
      expect(check).toEqual({
        ok: true,
        request: {
          designId: DESIGN,
          holderOrgId: HOLDER,
          prints: 10,
          expiresAt: '2027-12-31T23:59:59.000Z',
          failureAllowance: 0,
          printerIds: [],
        },
      });
    });

    it('names each field at fault with the message for it', () => {
      // Act
      const check = checkMintForm(
        form({
          designId: '',
          holderOrgId: 'acme',
          prints: '2.5',
          expiresOn: '2026-12-06',
          failureAllowance: '-1',
          printerIds: 'printer-1',
        }),
        NOW,
      );

      // Assess
      expect(check).toEqual({
        ok: false,
        errors: {
          designId: 'errorDesignMissing',
          holderOrgId: 'errorHolderId',
          prints: 'errorPrintsWhole',
          expiresOn: 'errorExpiryPast',
          failureAllowance: 'errorAllowanceWhole',
          printerIds: 'errorPrinterIds',
        },
      });
    });

    it('refuses prints outside the ledger’s range and an allowance above the prints', () => {
      // Act
      const zero = checkMintForm(form({ prints: '0' }), NOW);
      const tooMany = checkMintForm(form({ prints: String(MAX_PRINTS + 1) }), NOW);
      const allowance = checkMintForm(form({ prints: '3', failureAllowance: '4' }), NOW);

      // Assess
      expect(zero).toMatchObject({ ok: false, errors: { prints: 'errorPrintsRange' } });
      expect(tooMany).toMatchObject({ ok: false, errors: { prints: 'errorPrintsRange' } });
      expect(allowance).toMatchObject({
        ok: false,
        errors: { failureAllowance: 'errorAllowanceAbovePrints' },
      });
      expect(MAX_PRINTS).toBe(LEDGER_MAX_PRINTS);
    });

    it('accepts a license that ends today, later than now, and refuses a missing or impossible date', () => {
      // Act + Assess
      expect(checkMintForm(form({ expiresOn: '2026-12-07' }), NOW).ok).toBe(true);
      expect(checkMintForm(form({ expiresOn: '' }), NOW)).toMatchObject({
        errors: { expiresOn: 'errorExpiryMissing' },
      });
      expect(endOfDayUtc('2027-02-30')).toBeUndefined();
    });

    it('reads approved printers separated by commas, spaces or lines, once each', () => {
      // Act + Assess
      expect(parsePrinterIds(`${PRINTER.toLowerCase()},\n${PRINTER} ; ${HOLDER}`)).toEqual([PRINTER, HOLDER]);
      const check = checkMintForm(form({ printerIds: `${PRINTER}, ${HOLDER}` }), NOW);
      expect(check.ok && check.request.printerIds).toEqual([PRINTER, HOLDER]);
    });
  });

  describe('Function: keyForSubmission', () => {
    it('keeps the key for a retry of the same request and takes a new one when the request changes', () => {
      // Prepare
      let issued = 0;
      const newKey = () => `key-${++issued}`;
      const first = checkMintForm(form(), NOW);
      const changed = checkMintForm(form({ prints: '11' }), NOW);
      if (!first.ok || !changed.ok) throw new Error('the forms are valid');

      // Act
      const attempt = keyForSubmission(null, first.request, newKey);
      const retry = keyForSubmission(attempt, first.request, newKey);
      const edited = keyForSubmission(retry, changed.request, newKey);
      const afterSuccess = keyForSubmission(null, changed.request, newKey);

      // Assess
      expect(attempt.key).toBe('key-1');
      expect(retry.key).toBe('key-1');
      expect(edited.key).toBe('key-2');
      expect(afterSuccess.key).toBe('key-3');
    });
  });
});

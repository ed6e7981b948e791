import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type { presentLicense } from '../../functions/license-mint/present.ts';
import type {
  licensePageResponse,
  licenseResponse,
  pendingLicenseResponse,
  revokedLicenseResponse,
} from '../../functions/license-mint/responses.ts';
import type { presentPrintJob } from '../../functions/print-authorize/present.ts';
import type { printGrantResponse, printJobResponse } from '../../functions/print-authorize/responses.ts';
import type { presentPrinter } from '../../functions/printers/present.ts';
import type {
  printerPageResponse,
  printerResponse,
  registeredPrinterResponse,
  rotatedCredentialResponse,
} from '../../functions/printers/responses.ts';
import type { ChainRevocation } from '../../shared/licenses/license-revocation.ts';
import type { PrintGrant } from '../../shared/licenses/print-grant.ts';

/**
 * The response schemas in the API reference against the types the handlers actually send. These
 * are compile-time checks (`tsc --noEmit`, part of npm test): a presenter that gains, loses or
 * retypes a member fails the typecheck until its schema says the same. Each pair is checked both
 * ways, which catches a member missing on either side (readonly modifiers aside).
 */
type Sent<T extends z.ZodType> = z.output<T>;
type Same<A, B> = [A] extends [B]
  ? [B] extends [A]
    ? true
    : 'the schema lacks a member the code sends, or allows values the code never sends'
  : 'the code sends values the schema does not allow';
/** Compiles only when the code's type and the schema's output are assignable both ways. */
const same = <A, B>(verdict: Same<A, B>) => verdict;

describe('Response schemas of the API reference', () => {
  it('match the licenses the license routes answer with', () => {
    const checks: true[] = [];
    type License = ReturnType<typeof presentLicense>;
    checks.push(same<License, Sent<typeof licenseResponse>>(true));
    type Pending = License & { statusUrl: string };
    checks.push(same<Pending, Sent<typeof pendingLicenseResponse>>(true));
    type Revoked = License & { revocationOnChain: ChainRevocation | 'pending' };
    checks.push(same<Revoked, Sent<typeof revokedLicenseResponse>>(true));
    type Page = { items: License[]; nextCursor: string | null };
    checks.push(same<Page, Sent<typeof licensePageResponse>>(true));
    expect(checks).toHaveLength(4);
  });

  it('match the printers the printer routes answer with', () => {
    const checks: true[] = [];
    type Printer = ReturnType<typeof presentPrinter>;
    checks.push(same<Printer, Sent<typeof printerResponse>>(true));
    type Registered = Printer & { credential: string };
    checks.push(same<Registered, Sent<typeof registeredPrinterResponse>>(true));
    type Page = { items: Printer[]; nextCursor: string | null };
    checks.push(same<Page, Sent<typeof printerPageResponse>>(true));
    type Rotated = { id: string; credential: string };
    checks.push(same<Rotated, Sent<typeof rotatedCredentialResponse>>(true));
    expect(checks).toHaveLength(4);
  });

  it('match the grants and print jobs the print-job routes answer with', () => {
    const checks: true[] = [];
    type Job = ReturnType<typeof presentPrintJob>;
    checks.push(same<Job, Sent<typeof printJobResponse>>(true));
    checks.push(same<PrintGrant, Sent<typeof printGrantResponse>>(true));
    expect(checks).toHaveLength(2);
  });
});

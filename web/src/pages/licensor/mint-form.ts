/**
 * The mint form's rules, pure so unit tests run them on Node: what a person typed becomes the
 * body of `POST /v1/licenses` or a message per field (the API checks again; these catch the
 * common slips before a round trip), and one Idempotency-Key per submission.
 */

/** The ledger stores prints in a uint24 (shared/licenses/license.ts MAX_PRINTS). */
export const MAX_PRINTS = 2 ** 24 - 1;
/** The API's bound on approved printers per license (functions/license-mint/schema.ts). */
export const MAX_APPROVED_PRINTERS = 256;

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface MintFormValues {
  readonly designId: string;
  readonly holderOrgId: string;
  readonly prints: string;
  /** `yyyy-mm-dd` from a date input: the license runs to the end of that day (UTC). */
  readonly expiresOn: string;
  readonly failureAllowance: string;
  /** Approved printer ids separated by commas, spaces or lines; empty: any printer of the holder. */
  readonly printerIds: string;
}

export interface MintRequest {
  readonly designId: string;
  readonly holderOrgId: string;
  readonly prints: number;
  readonly expiresAt: string;
  readonly failureAllowance: number;
  readonly printerIds: readonly string[];
}

/** Message keys of the licensor area (messages.ts), one per kind of mistake. */
export type MintFieldError =
  | 'errorDesignMissing'
  | 'errorHolderId'
  | 'errorPrintsWhole'
  | 'errorPrintsRange'
  | 'errorExpiryMissing'
  | 'errorExpiryPast'
  | 'errorAllowanceWhole'
  | 'errorAllowanceAbovePrints'
  | 'errorPrinterIds'
  | 'errorTooManyPrinters';

export type MintFormCheck =
  | { readonly ok: true; readonly request: MintRequest }
  | { readonly ok: false; readonly errors: Partial<Record<keyof MintFormValues, MintFieldError>> };

function wholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d+$/.test(trimmed) ? Number(trimmed) : undefined;
}

/** The instant a `yyyy-mm-dd` day ends in UTC, or undefined for anything that is not a real date. */
export function endOfDayUtc(day: string): Date | undefined {
  const match = DATE.exec(day.trim());
  if (!match) return undefined;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const end = new Date(Date.UTC(year, month - 1, date, 23, 59, 59));
  // Date.UTC rolls 2027-02-30 over into March: a date that does not exist is refused.
  if (end.getUTCFullYear() !== year || end.getUTCMonth() !== month - 1 || end.getUTCDate() !== date) {
    return undefined;
  }
  return end;
}

export function parsePrinterIds(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((id) => id.trim().toUpperCase())
        .filter(Boolean),
    ),
  ];
}

export function checkMintForm(values: MintFormValues, now: Date): MintFormCheck {
  const errors: Partial<Record<keyof MintFormValues, MintFieldError>> = {};
  if (!ULID.test(values.designId)) errors.designId = 'errorDesignMissing';
  const holderOrgId = values.holderOrgId.trim().toUpperCase();
  if (!ULID.test(holderOrgId)) errors.holderOrgId = 'errorHolderId';

  const prints = wholeNumber(values.prints);
  if (prints === undefined) errors.prints = 'errorPrintsWhole';
  else if (prints < 1 || prints > MAX_PRINTS) errors.prints = 'errorPrintsRange';

  const expiresAt = endOfDayUtc(values.expiresOn);
  if (values.expiresOn.trim() === '' || expiresAt === undefined) errors.expiresOn = 'errorExpiryMissing';
  else if (expiresAt.getTime() <= now.getTime()) errors.expiresOn = 'errorExpiryPast';

  const allowanceText = values.failureAllowance.trim() === '' ? '0' : values.failureAllowance;
  const failureAllowance = wholeNumber(allowanceText);
  if (failureAllowance === undefined) errors.failureAllowance = 'errorAllowanceWhole';
  else if (prints !== undefined && failureAllowance > prints)
    errors.failureAllowance = 'errorAllowanceAbovePrints';

  const printerIds = parsePrinterIds(values.printerIds);
  if (printerIds.some((id) => !ULID.test(id))) errors.printerIds = 'errorPrinterIds';
  else if (printerIds.length > MAX_APPROVED_PRINTERS) errors.printerIds = 'errorTooManyPrinters';

  if (
    Object.keys(errors).length > 0 ||
    prints === undefined ||
    expiresAt === undefined ||
    failureAllowance === undefined
  ) {
    return { ok: false, errors };
  }
  return {
    ok: true,
    request: {
      designId: values.designId,
      holderOrgId,
      prints,
      expiresAt: expiresAt.toISOString(),
      failureAllowance,
      printerIds,
    },
  };
}

/**
 * One Idempotency-Key per submission of the form. A retry of the very same request after a failure
 * whose outcome is unknown (no answer, a 5xx) keeps the key, so a mint that did reach the server
 * is found rather than made twice; any change to the request, or a finished mint, takes a new key.
 */
export interface MintAttempt {
  readonly key: string;
  readonly request: string;
}

export function keyForSubmission(
  previous: MintAttempt | null,
  request: MintRequest,
  newKey: () => string,
): MintAttempt {
  const canonical = JSON.stringify(request);
  if (previous && previous.request === canonical) return previous;
  return { key: newKey(), request: canonical };
}

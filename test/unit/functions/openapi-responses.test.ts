import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import type {
  apiKeyListResponse,
  createdApiKeyResponse,
  createdOrganisationResponse,
  organisationPageResponse,
} from '#functions/accounts/responses.ts';
import type { ORG_KINDS } from '#functions/accounts/schema.ts';
import type {
  presentDesign,
  presentLicensableDesign,
  presentProvenanceConflict,
} from '#functions/designs/present.ts';
import type {
  createdDesignResponse,
  designPageResponse,
  designResponse,
  licensableDesignPageResponse,
  licensorsResponse,
  provenanceConflictPageResponse,
  provenanceConflictResponse,
} from '#functions/designs/responses.ts';
import type { presentLicense } from '#functions/license-mint/present.ts';
import type {
  licensePageResponse,
  licenseResponse,
  pendingLicenseResponse,
  reconciliationResponse,
  revokedLicenseResponse,
} from '#functions/license-mint/responses.ts';
import type { presentPrintJob } from '#functions/print-authorize/present.ts';
import type {
  printGrantResponse,
  printJobPageResponse,
  printJobResponse,
} from '#functions/print-authorize/responses.ts';
import type { presentPrinter } from '#functions/printers/present.ts';
import type {
  printerPageResponse,
  printerResponse,
  registeredPrinterResponse,
  rotatedCredentialResponse,
} from '#functions/printers/responses.ts';
import type { ChatAccess, ChatTransport, Playback } from '#functions/show-access/access.ts';
import type { chatTokenResponse, playbackResponse } from '#functions/show-access/responses.ts';
import type { CheckoutResult } from '#functions/shows/checkout.ts';
import type { presentHold, presentSales, presentShow, presentStudioShow } from '#functions/shows/present.ts';
import type {
  checkoutResponse,
  holdResponse,
  salesResponse,
  showPageResponse,
  showResponse,
  studioShowPageResponse,
} from '#functions/shows/responses.ts';
import type { presentTicket } from '#functions/tickets/present.ts';
import type {
  ticketPageResponse,
  ticketResponse,
  ticketWithCodeResponse,
} from '#functions/tickets/responses.ts';
import type { presentVideo } from '#functions/videos/present.ts';
import type { createdVideoResponse, videoPageResponse, videoResponse } from '#functions/videos/responses.ts';
import type { listApiKeys, OrganisationSummary } from '#shared/accounts/api-key-store.ts';
import type { Scope } from '#shared/accounts/api-keys.ts';
import type { listLicensors } from '#shared/designs/design-repository.ts';
import type { ReconciliationReport } from '#shared/ledger/reconciliation-reports.ts';
import type { ChainRevocation } from '#shared/licenses/license-revocation.ts';
import type { PrintGrant } from '#shared/licenses/print-grant.ts';
import type { PresignedPut } from '#shared/storage/object-store.ts';

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
    type Listed = License & {
      designName: string | null;
      issuerName: string | null;
      holderName: string | null;
    };
    type Page = { items: Listed[]; nextCursor: string | null };
    checks.push(same<Page, Sent<typeof licensePageResponse>>(true));
    checks.push(same<Wire<ReconciliationReport>, Sent<typeof reconciliationResponse>>(true));
    expect(checks).toHaveLength(5);
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
    checks.push(same<{ items: Job[]; nextCursor: string | null }, Sent<typeof printJobPageResponse>>(true));
    expect(checks).toHaveLength(3);
  });
});

/** What `res.json` makes of a value: instants become ISO strings. */
type Wire<T> = T extends Date
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

describe('Response schemas of the API reference (the other routes)', () => {
  it('match designs, their uploads, licensors and provenance conflicts', () => {
    const checks: true[] = [];
    type Design = ReturnType<typeof presentDesign>;
    checks.push(same<Design, Sent<typeof designResponse>>(true));
    type Created = Design & { upload: Wire<PresignedPut> };
    checks.push(same<Created, Sent<typeof createdDesignResponse>>(true));
    checks.push(same<{ items: Design[]; nextCursor: string | null }, Sent<typeof designPageResponse>>(true));
    type Licensors = { items: Awaited<ReturnType<typeof listLicensors>> };
    checks.push(same<Licensors, Sent<typeof licensorsResponse>>(true));
    type Conflict = ReturnType<typeof presentProvenanceConflict>;
    checks.push(same<Conflict, Sent<typeof provenanceConflictResponse>>(true));
    type Conflicts = { items: Conflict[]; nextCursor: string | null };
    checks.push(same<Conflicts, Sent<typeof provenanceConflictPageResponse>>(true));
    type Licensable = { items: ReturnType<typeof presentLicensableDesign>[]; nextCursor: string | null };
    checks.push(same<Licensable, Sent<typeof licensableDesignPageResponse>>(true));
    expect(checks).toHaveLength(7);
  });

  it('match videos, shows, checkouts, tickets and show access', () => {
    const checks: true[] = [];
    type Video = ReturnType<typeof presentVideo>;
    checks.push(same<Video, Sent<typeof videoResponse>>(true));
    checks.push(same<Video & { upload: Wire<PresignedPut> }, Sent<typeof createdVideoResponse>>(true));
    checks.push(same<{ items: Video[]; nextCursor: string | null }, Sent<typeof videoPageResponse>>(true));
    type Show = ReturnType<typeof presentShow>;
    checks.push(same<Show, Sent<typeof showResponse>>(true));
    checks.push(same<{ items: Show[]; nextCursor: string | null }, Sent<typeof showPageResponse>>(true));
    checks.push(same<Wire<CheckoutResult>, Sent<typeof checkoutResponse>>(true));
    type Ticket = ReturnType<typeof presentTicket>;
    checks.push(same<Ticket, Sent<typeof ticketResponse>>(true));
    checks.push(same<Ticket & { code: string | null }, Sent<typeof ticketWithCodeResponse>>(true));
    checks.push(same<{ items: Ticket[]; nextCursor: string | null }, Sent<typeof ticketPageResponse>>(true));
    checks.push(same<Wire<Playback>, Sent<typeof playbackResponse>>(true));
    type ChatAnswer = Wire<Pick<ChatAccess, 'token' | 'uid' | 'expiresAt' | 'role'>> & {
      chat: ChatTransport;
    };
    checks.push(same<ChatAnswer, Sent<typeof chatTokenResponse>>(true));
    checks.push(same<ReturnType<typeof presentHold>, Sent<typeof holdResponse>>(true));
    type StudioPage = { items: ReturnType<typeof presentStudioShow>[]; nextCursor: string | null };
    checks.push(same<StudioPage, Sent<typeof studioShowPageResponse>>(true));
    checks.push(same<ReturnType<typeof presentSales>, Sent<typeof salesResponse>>(true));
    expect(checks).toHaveLength(14);
  });

  it('match organisations and API keys', () => {
    const checks: true[] = [];
    type Created = {
      id: string;
      name: string;
      kind: (typeof ORG_KINDS)[number];
      apiKey: { keyId: string; key: string; scopes: Scope[] };
    };
    checks.push(same<Created, Sent<typeof createdOrganisationResponse>>(true));
    type Keys = { items: Wire<Awaited<ReturnType<typeof listApiKeys>>> };
    checks.push(same<Keys, Sent<typeof apiKeyListResponse>>(true));
    checks.push(
      same<{ keyId: string; key: string; scopes: Scope[] }, Sent<typeof createdApiKeyResponse>>(true),
    );
    type Organisations = { items: Wire<OrganisationSummary>[]; nextCursor: string | null };
    checks.push(same<Organisations, Sent<typeof organisationPageResponse>>(true));
    expect(checks).toHaveLength(4);
  });
});

import { createHash } from 'node:crypto';
import { organisationExists } from '#shared/accounts/api-key-store.ts';
import { type DbPool, withTransaction } from '#shared/db/pool.ts';
import { licensableDesignStatus } from '#shared/designs/design-repository.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import type { License } from '#shared/licenses/license.ts';
import { findByIdempotencyKey, insertLicense } from '#shared/licenses/license-repository.ts';
import { activePrinterIdsOf } from '#shared/printers/printer-repository.ts';
import type { CreateLicenseInput } from './schema.ts';

export interface CreatedLicense {
  readonly license: License;
  /** False when the Idempotency-Key had already created it (a replay). */
  readonly created: boolean;
}

const DUPLICATE_KEY = 1062;

/**
 * Records a license request under its Idempotency-Key, or finds the one that key already made.
 * The same key with a different request is refused rather than silently answered with the old
 * license. Checks run before anything is written: the design is registered, the caller may
 * license it (its owner, or an organisation the owner named), the holder exists and the approved
 * printers are the holder's active printers.
 */
export async function createOrFindLicense(
  pool: DbPool,
  issuerOrgId: string,
  idempotencyKey: string,
  input: CreateLicenseInput,
): Promise<CreatedLicense> {
  const requestSha256 = requestFingerprint(input);
  const earlier = await findByIdempotencyKey(pool, issuerOrgId, idempotencyKey);
  if (earlier) return { license: sameRequestOrThrow(earlier, requestSha256), created: false };

  await checkDesign(pool, issuerOrgId, input.designId);
  await checkHolder(pool, input.holderOrgId, input.printerIds);

  const printerIds = [...new Set(input.printerIds)].sort();
  // The Merkle root needs ethers' keccak: loaded by the first license with printers, not at cold start.
  const root =
    printerIds.length > 0 ? (await import('#shared/chain/printer-set.ts')).printerRoot(printerIds) : null;
  const id = newId();
  try {
    await withTransaction(pool, (connection) =>
      insertLicense(connection, {
        id,
        issuerOrgId,
        holderOrgId: input.holderOrgId,
        designId: input.designId,
        idempotencyKey,
        requestSha256,
        printsTotal: input.prints,
        failureAllowance: input.failureAllowance,
        expiresAt: input.expiresAt,
        printerIds,
        printerRoot: root,
      }),
    );
  } catch (err) {
    if ((err as { errno?: number }).errno !== DUPLICATE_KEY) throw err;
    // A concurrent request with the same key won the insert.
    const winner = await findByIdempotencyKey(pool, issuerOrgId, idempotencyKey);
    if (!winner) throw err;
    return { license: sameRequestOrThrow(winner, requestSha256), created: false };
  }
  const license = await findByIdempotencyKey(pool, issuerOrgId, idempotencyKey);
  if (!license) throw new Error(`license ${id} vanished after insert`);
  return { license, created: true };
}

/** Canonical form: key order fixed, printer set sorted, instants in UTC. */
export function requestFingerprint(input: CreateLicenseInput): Buffer {
  const canonical = JSON.stringify([
    input.designId,
    input.holderOrgId,
    input.prints,
    input.expiresAt.toISOString(),
    [...new Set(input.printerIds)].sort(),
    input.failureAllowance,
  ]);
  return createHash('sha256').update(canonical).digest();
}

function sameRequestOrThrow(license: License, requestSha256: Buffer): License {
  if (!license.requestSha256.equals(requestSha256)) {
    throw new UnprocessableError('This Idempotency-Key was already used for a different request', {
      extensions: { code: 'idempotency_key_reused', licenseId: license.id },
    });
  }
  return license;
}

async function checkDesign(pool: DbPool, issuerOrgId: string, designId: string): Promise<void> {
  const status = await licensableDesignStatus(pool, issuerOrgId, designId);
  // A design the caller may not license is reported as missing: existence is not disclosed.
  if (status === undefined) throw new NotFoundError(`No design ${designId} that you may license`);
  if (status !== 'registered') {
    throw new ConflictError(`Design ${designId} is ${status}, not registered on chain yet`, {
      extensions: { code: 'design_not_registered' },
    });
  }
}

async function checkHolder(pool: DbPool, holderOrgId: string, printerIds: readonly string[]): Promise<void> {
  if (!(await organisationExists(pool, holderOrgId))) {
    throw new UnprocessableError(`No organisation ${holderOrgId} to hold the license`, {
      extensions: { code: 'unknown_holder' },
    });
  }
  const wanted = [...new Set(printerIds)];
  if (wanted.length === 0) return;
  const found = await activePrinterIdsOf(pool, holderOrgId, wanted);
  const unknown = wanted.filter((printerId) => !found.has(printerId));
  if (unknown.length > 0) {
    throw new UnprocessableError('Approved printers must be active printers of the holder', {
      extensions: { code: 'unknown_printer', printerIds: unknown },
    });
  }
}

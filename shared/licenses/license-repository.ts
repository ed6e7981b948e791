import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { designNames, findDesign } from '../designs/design-repository.ts';
import { appendToOutbox } from '../outbox/outbox.ts';
import type { License, LicenseStatus } from './license.ts';

type Queryable = DbPool | DbConnection;

const COLUMNS = `l.id, l.issuer_org_id, l.holder_org_id, l.design_id, l.idempotency_key, l.request_sha256,
  l.prints_total, l.prints_used, l.prints_reserved, l.failure_allowance, l.failures_refunded, l.prints_settled,
  l.expires_at, l.printer_root, l.status, l.failure_reason, l.revoked_at, l.revocation_reason, l.chain_id,
  l.ledger_address, l.token_id, l.mint_tx_id, l.mint_tx_hash, l.mint_block, l.created_at, l.activated_at,
  (SELECT GROUP_CONCAT(lp.printer_id ORDER BY lp.printer_id) FROM license_printers lp WHERE lp.license_id = l.id)
    AS printer_ids`;

export interface NewLicense {
  readonly id: string;
  readonly issuerOrgId: string;
  readonly holderOrgId: string;
  readonly designId: string;
  readonly idempotencyKey: string;
  readonly requestSha256: Buffer;
  readonly printsTotal: number;
  readonly failureAllowance: number;
  readonly expiresAt: Date;
  readonly printerIds: readonly string[];
  readonly printerRoot: string | null;
}

/** Inserts the license and its printer set; throws the driver's ER_DUP_ENTRY on a reused idempotency key. */
export async function insertLicense(connection: DbConnection, license: NewLicense): Promise<void> {
  await connection.query(
    `INSERT INTO licenses (id, issuer_org_id, holder_org_id, design_id, idempotency_key, request_sha256,
       prints_total, failure_allowance, expires_at, printer_root)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      license.id,
      license.issuerOrgId,
      license.holderOrgId,
      license.designId,
      license.idempotencyKey,
      license.requestSha256,
      license.printsTotal,
      license.failureAllowance,
      license.expiresAt,
      license.printerRoot === null ? null : Buffer.from(license.printerRoot.slice(2), 'hex'),
    ],
  );
  if (license.printerIds.length > 0) {
    await connection.query('INSERT INTO license_printers (license_id, printer_id) VALUES ?', [
      license.printerIds.map((printerId) => [license.id, printerId]),
    ]);
  }
}

export async function findLicense(db: Queryable, id: string): Promise<License | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM licenses l WHERE l.id = ?`, [id]);
  return rows[0] ? toLicense(rows[0]) : undefined;
}

export async function findByIdempotencyKey(
  db: Queryable,
  issuerOrgId: string,
  idempotencyKey: string,
): Promise<License | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM licenses l WHERE l.issuer_org_id = ? AND l.idempotency_key = ?`,
    [issuerOrgId, idempotencyKey],
  );
  return rows[0] ? toLicense(rows[0]) : undefined;
}

/** Licenses an organisation issued or holds, newest first. */
/** Which side of a license the caller lists: issued by it, held by it, or both. */
export type LicenseParty = 'issuer' | 'holder' | 'any';

/**
 * A listed license with the names a person reads beside its ids: the design's, the issuer's and the
 * holder's. Null when the row is gone (names are for display; the ids stay the reference).
 */
export interface ListedLicense {
  readonly license: License;
  readonly names: {
    readonly design: string | null;
    readonly issuer: string | null;
    readonly holder: string | null;
  };
}

export async function listOrgLicenses(
  db: Queryable,
  orgId: string,
  page: { limit: number; before?: string; party?: LicenseParty },
): Promise<{ items: ListedLicense[]; next: string | null }> {
  const party = page.party ?? 'any';
  const sides = [
    ...(party === 'holder' ? [] : ['SELECT id FROM licenses WHERE issuer_org_id = ?']),
    ...(party === 'issuer' ? [] : ['SELECT id FROM licenses WHERE holder_org_id = ?']),
  ];
  const before = page.before ? 'AND l.id < ?' : '';
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS}, issuer.name AS issuer_name, holder.name AS holder_name
      FROM licenses l
      LEFT JOIN organisations issuer ON issuer.id = l.issuer_org_id
      LEFT JOIN organisations holder ON holder.id = l.holder_org_id
      WHERE l.id IN (${sides.join(' UNION ')})
      ${before} ORDER BY l.id DESC LIMIT ?`,
    [...sides.map(() => orgId), ...(page.before ? [page.before] : []), page.limit + 1],
  );
  const listed = rows.slice(0, page.limit);
  const designs = await designNames(db, [...new Set(listed.map((row) => String(row.design_id)))]);
  const items = listed.map(
    (row): ListedLicense => ({
      license: toLicense(row),
      names: {
        design: designs.get(String(row.design_id)) ?? null,
        issuer: (row.issuer_name as string | null) ?? null,
        holder: (row.holder_name as string | null) ?? null,
      },
    }),
  );
  return { items, next: rows.length > page.limit ? (items.at(-1)?.license.id ?? null) : null };
}

/** Pending licenses whose mint needs a nudge (no transaction yet, or one that did not land). */
export async function listPendingLicenseIds(db: Queryable, olderThanSeconds: number, limit: number) {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM licenses WHERE status = 'pending' AND created_at < NOW(3) - INTERVAL ? SECOND
      ORDER BY created_at LIMIT ?`,
    [olderThanSeconds, limit],
  );
  return rows.map((row) => String(row.id));
}

export async function recordMintSubmission(
  db: Queryable,
  id: string,
  submission: { chainId: number; ledgerAddress: string; tokenId: string; txId: number; txHash: string },
): Promise<void> {
  await db.query(
    `UPDATE licenses SET chain_id = ?, ledger_address = ?, token_id = ?, mint_tx_id = ?, mint_tx_hash = ?
      WHERE id = ? AND status = 'pending'`,
    [
      submission.chainId,
      submission.ledgerAddress,
      submission.tokenId,
      submission.txId,
      submission.txHash,
      id,
    ],
  );
}

/**
 * A pending license's token on this ledger (and the mint transaction, when ours is known): what
 * activation records before `markLicenseActive`, whether the receipt or the indexed event saw it.
 */
export async function recordLicenseToken(
  connection: DbConnection,
  id: string,
  token: { chainId: number; ledgerAddress: string; tokenId: string; mintTxId?: number | null },
): Promise<void> {
  await connection.query(
    `UPDATE licenses SET chain_id = ?, ledger_address = ?, token_id = ?,
            mint_tx_id = COALESCE(?, mint_tx_id) WHERE id = ? AND status = 'pending'`,
    [token.chainId, token.ledgerAddress, token.tokenId, token.mintTxId ?? null, id],
  );
}

/** The license's design, holder and status, its row locked; undefined for an unknown id. */
export async function lockLicenseStatus(
  connection: DbConnection,
  id: string,
): Promise<{ designId: string; holderOrgId: string; status: LicenseStatus } | undefined> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT design_id, holder_org_id, status FROM licenses WHERE id = ? FOR UPDATE',
    [id],
  );
  const row = rows[0];
  return row
    ? {
        designId: String(row.design_id),
        holderOrgId: String(row.holder_org_id),
        status: row.status as LicenseStatus,
      }
    : undefined;
}

/** The license minted as this token, if any. */
export async function licenseIdOfToken(db: Queryable, tokenId: string): Promise<string | undefined> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT id FROM licenses WHERE token_id = ?', [tokenId]);
  return rows[0]?.id as string | undefined;
}

/**
 * The license's print counters, for the print ledger (shared/licenses/print-ledger.ts), which
 * composes them with its print_jobs statements. The reservation is handed out as SQL rather than
 * run here because the ledger sends a whole reservation in one round trip.
 *
 * Reserve one print, as one conditional UPDATE under the license row lock, so
 * `prints_used + prints_reserved <= prints_total` holds under any concurrency. The new print
 * sequence is left in LAST_INSERT_ID(). Values: license id, holder organisation, printer id twice.
 */
export const RESERVE_PRINT_SQL = `UPDATE licenses
    SET prints_reserved = prints_reserved + 1, print_seq = LAST_INSERT_ID(print_seq + 1)
  WHERE id = ? AND holder_org_id = ? AND status = 'active' AND revoked_at IS NULL
    AND expires_at > NOW(3) AND prints_used + prints_reserved < prints_total
    AND (NOT EXISTS (SELECT 1 FROM license_printers lp WHERE lp.license_id = licenses.id)
         OR EXISTS (SELECT 1 FROM license_printers lp
                     WHERE lp.license_id = licenses.id AND lp.printer_id = ?))
    AND EXISTS (SELECT 1 FROM printers p
                 WHERE p.id = ? AND p.org_id = licenses.holder_org_id AND p.status = 'active')`;

/** A reserved print goes back to the license (its grant lapsed). */
export async function releaseReservedPrint(connection: DbConnection, licenseId: string): Promise<void> {
  await connection.query('UPDATE licenses SET prints_reserved = prints_reserved - 1 WHERE id = ?', [
    licenseId,
  ]);
}

/** Locks the license row for a print's outcome and reads what deciding it needs. */
export async function lockPrintAllowance(
  connection: DbConnection,
  licenseId: string,
): Promise<{ failureAllowance: number; failuresRefunded: number; designId: string }> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT failure_allowance, failures_refunded, design_id FROM licenses WHERE id = ? FOR UPDATE',
    [licenseId],
  );
  const row = rows[0] as RowDataPacket;
  return {
    failureAllowance: Number(row.failure_allowance),
    failuresRefunded: Number(row.failures_refunded),
    designId: String(row.design_id),
  };
}

/** A reserved print ends: counted against the license, or refunded within its failure allowance. */
export async function settleReservedPrint(
  connection: DbConnection,
  licenseId: string,
  refunded: boolean,
): Promise<void> {
  await connection.query(
    `UPDATE licenses SET prints_reserved = prints_reserved - 1, prints_used = prints_used + ?,
            failures_refunded = failures_refunded + ? WHERE id = ?`,
    [refunded ? 0 : 1, refunded ? 1 : 0, licenseId],
  );
}

/** Prints settled on chain for the license (the settlement that carried them is confirmed). */
export async function addPrintsSettled(connection: DbConnection, id: string, prints: number): Promise<void> {
  await connection.query('UPDATE licenses SET prints_settled = prints_settled + ? WHERE id = ?', [
    prints,
    id,
  ]);
}

/**
 * pending → active, once, with `license.minted` (naming the designer's organisation, for the
 * designer dashboards: a license's issuer may be a licensor); false when it already was (another
 * path, the receipt or the indexed event, got there first).
 */
export async function markLicenseActive(
  connection: DbConnection,
  license: { id: string; designId: string; holderOrgId: string },
  mined: { tokenId: string; txHash: string | null; blockNumber: number | null },
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE licenses SET status = 'active', activated_at = NOW(3),
            mint_tx_hash = COALESCE(?, mint_tx_hash), mint_block = COALESCE(?, mint_block)
      WHERE id = ? AND status = 'pending'`,
    [mined.txHash, mined.blockNumber, license.id],
  );
  if (result.affectedRows !== 1) return false;
  const design = await findDesign(connection, license.designId);
  await appendToOutbox(connection, {
    aggregateType: 'license',
    aggregateId: license.id,
    type: 'license.minted',
    payload: {
      licenseId: license.id,
      designId: license.designId,
      holderOrgId: license.holderOrgId,
      tokenId: mined.tokenId,
      txHash: mined.txHash,
      ...(design ? { designOrgId: design.orgId } : {}),
    },
  });
  return true;
}

/** pending → failed, once, with `license.failed`; false when it was no longer pending. */
export async function markLicenseFailed(
  connection: DbConnection,
  id: string,
  reason: string,
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE licenses SET status = 'failed', failure_reason = ? WHERE id = ? AND status = 'pending'`,
    [reason.slice(0, 500), id],
  );
  if (result.affectedRows !== 1) return false;
  await appendToOutbox(connection, {
    aggregateType: 'license',
    aggregateId: id,
    type: 'license.failed',
    payload: { licenseId: id, reason },
  });
  return true;
}

/**
 * Revocation takes effect off chain at once (authorization reads this row), with
 * `license.revoked`; the chain follows. False when it was already revoked (the first reason stands).
 */
export async function markLicenseRevoked(
  connection: DbConnection,
  license: { id: string; tokenId: string | null },
  reason: string,
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    'UPDATE licenses SET revoked_at = NOW(3), revocation_reason = ? WHERE id = ? AND revoked_at IS NULL',
    [reason.slice(0, 500), license.id],
  );
  if (result.affectedRows !== 1) return false;
  await appendToOutbox(connection, {
    aggregateType: 'license',
    aggregateId: license.id,
    type: 'license.revoked',
    payload: { licenseId: license.id, tokenId: license.tokenId, reason },
  });
  return true;
}

function toLicense(row: RowDataPacket): License {
  const printerRoot = row.printer_root as Buffer | null;
  const printerIds = row.printer_ids as string | null;
  return {
    id: String(row.id),
    issuerOrgId: String(row.issuer_org_id),
    holderOrgId: String(row.holder_org_id),
    designId: String(row.design_id),
    idempotencyKey: String(row.idempotency_key),
    requestSha256: row.request_sha256 as Buffer,
    printsTotal: Number(row.prints_total),
    printsUsed: Number(row.prints_used),
    printsReserved: Number(row.prints_reserved),
    failureAllowance: Number(row.failure_allowance),
    failuresRefunded: Number(row.failures_refunded),
    printsSettled: Number(row.prints_settled),
    expiresAt: row.expires_at as Date,
    printerIds: printerIds ? printerIds.split(',') : [],
    printerRoot: printerRoot ? `0x${printerRoot.toString('hex')}` : null,
    status: row.status as LicenseStatus,
    failureReason: (row.failure_reason as string | null) ?? null,
    revokedAt: (row.revoked_at as Date | null) ?? null,
    revocationReason: (row.revocation_reason as string | null) ?? null,
    chain: {
      chainId: row.chain_id === null ? null : Number(row.chain_id),
      ledgerAddress: (row.ledger_address as string | null) ?? null,
      tokenId: (row.token_id as string | null) ?? null,
      mintTxId: row.mint_tx_id === null ? null : Number(row.mint_tx_id),
      mintTxHash: (row.mint_tx_hash as string | null) ?? null,
      mintBlock: row.mint_block === null ? null : Number(row.mint_block),
    },
    createdAt: row.created_at as Date,
    activatedAt: (row.activated_at as Date | null) ?? null,
  };
}

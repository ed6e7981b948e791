import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import { appendToOutbox } from '../outbox/outbox.ts';
import { type Design, type DesignFormat, type DesignWarning, uploadKeyFor } from './design.ts';
import type { MeshMetricsRecord } from './metrics-record.ts';

type Queryable = DbPool | DbConnection;

const COLUMNS = `id, org_id, name, format, declared_bytes, status, rejection_code, rejection_reason, upload_key,
  sha256, size_bytes, metrics, validation_warnings, vault_key, thumbnail_key, chain_id, registry_address, chain_tx, chain_block,
  created_at, uploaded_at, finished_at`;

export async function insertDesign(
  db: Queryable,
  design: { id: string; orgId: string; name: string; format: DesignFormat; declaredBytes: number },
): Promise<void> {
  await db.query(
    `INSERT INTO designs (id, org_id, name, format, declared_bytes, status, upload_key)
     VALUES (?, ?, ?, ?, ?, 'awaiting_upload', ?)`,
    [design.id, design.orgId, design.name, design.format, design.declaredBytes, uploadKeyFor(design.id)],
  );
}

export async function findDesign(db: Queryable, id: string): Promise<Design | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM designs WHERE id = ?`, [id]);
  return rows[0] ? toDesign(rows[0]) : undefined;
}

/** Another organisation's design is reported as missing: existence is not disclosed. */
export async function findOrgDesign(db: Queryable, orgId: string, id: string): Promise<Design | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM designs WHERE id = ? AND org_id = ?`,
    [id, orgId],
  );
  return rows[0] ? toDesign(rows[0]) : undefined;
}

/** Newest first; `before` is the last id of the previous page (ULIDs sort by creation time). */
export async function listOrgDesigns(
  db: Queryable,
  orgId: string,
  page: { limit: number; before?: string },
): Promise<{ items: Design[]; next: string | null }> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM designs WHERE org_id = ? ${page.before ? 'AND id < ?' : ''} ORDER BY id DESC LIMIT ?`,
    page.before ? [orgId, page.before, page.limit + 1] : [orgId, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toDesign);
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

export type Claim = 'claimed' | 'finished' | 'busy' | 'missing';

/**
 * Takes the design for processing with a lease. A redelivered event finds it finished (done)
 * or busy (another instance holds a live lease); an expired lease may be taken over.
 */
export async function claimForProcessing(
  db: Queryable,
  id: string,
  etag: string,
  leaseSeconds: number,
): Promise<Claim> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE designs
        SET status = 'validating', upload_etag = ?, uploaded_at = COALESCE(uploaded_at, NOW(3)),
            lease_until = NOW(3) + INTERVAL ? SECOND
      WHERE id = ? AND (status IN ('awaiting_upload', 'uploaded')
                        OR (status = 'validating' AND (lease_until IS NULL OR lease_until < NOW(3))))`,
    [etag, leaseSeconds, id],
  );
  if (result.affectedRows === 1) return 'claimed';
  const design = await findDesign(db, id);
  if (!design) return 'missing';
  return design.status === 'registered' || design.status === 'rejected' ? 'finished' : 'busy';
}

export async function recordRejection(
  connection: DbConnection,
  design: { id: string; orgId: string },
  code: string,
  reason: string,
): Promise<void> {
  await connection.query(
    `UPDATE designs SET status = 'rejected', rejection_code = ?, rejection_reason = ?, finished_at = NOW(3),
            lease_until = NULL WHERE id = ? AND status <> 'registered'`,
    [code, reason.slice(0, 1000), design.id],
  );
  await appendToOutbox(connection, {
    aggregateType: 'design',
    aggregateId: design.id,
    type: 'design.rejected',
    payload: { designId: design.id, orgId: design.orgId, code, reason },
  });
}

export interface SealedDesign {
  readonly sha256: Buffer;
  readonly sizeBytes: number;
  readonly metrics: MeshMetricsRecord;
  readonly warnings: readonly DesignWarning[];
  readonly vaultKey: string;
  readonly thumbnailKey: string | null;
  readonly wrappedKey: Buffer;
  readonly keyRef: string;
  readonly iv: Buffer;
  readonly authTag: Buffer;
}

/** Stores the validated, encrypted design and its wrapped key (still `validating` until on chain). */
export async function recordSealed(
  connection: DbConnection,
  id: string,
  sealed: SealedDesign,
): Promise<void> {
  await connection.query(
    `UPDATE designs SET sha256 = ?, size_bytes = ?, metrics = ?, validation_warnings = ?, vault_key = ?,
            thumbnail_key = ? WHERE id = ?`,
    [
      sealed.sha256,
      sealed.sizeBytes,
      JSON.stringify(sealed.metrics),
      JSON.stringify(sealed.warnings),
      sealed.vaultKey,
      sealed.thumbnailKey,
      id,
    ],
  );
  await connection.query(
    `INSERT INTO design_keys (design_id, wrapped_key, key_ref, iv, auth_tag) VALUES (?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE wrapped_key = VALUES(wrapped_key), key_ref = VALUES(key_ref), iv = VALUES(iv),
                             auth_tag = VALUES(auth_tag)`,
    [id, sealed.wrappedKey, sealed.keyRef, sealed.iv, sealed.authTag],
  );
}

/** Claims the fingerprint for `designId`; returns the design that owns it (maybe another). */
export async function claimFingerprint(
  connection: DbConnection,
  sha256: Buffer,
  designId: string,
): Promise<string> {
  await connection.query('INSERT IGNORE INTO design_fingerprints (sha256, design_id) VALUES (?, ?)', [
    sha256,
    designId,
  ]);
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT design_id FROM design_fingerprints WHERE sha256 = ? FOR UPDATE',
    [sha256],
  );
  return rows[0]?.design_id as string;
}

export async function recordChainSubmission(
  db: Queryable,
  id: string,
  submission: { chainId: number; registry: string; txHash: string },
): Promise<void> {
  await db.query('UPDATE designs SET chain_id = ?, registry_address = ?, chain_tx = ? WHERE id = ?', [
    submission.chainId,
    submission.registry,
    submission.txHash,
    id,
  ]);
}

export async function recordRegistered(
  connection: DbConnection,
  design: { id: string; orgId: string },
  registration: { sha256: Buffer; txHash: string; blockNumber: number },
): Promise<boolean> {
  const [result] = await connection.query<ResultSetHeader>(
    `UPDATE designs SET status = 'registered', chain_block = ?, finished_at = NOW(3), lease_until = NULL
      WHERE id = ? AND status = 'validating'`,
    [registration.blockNumber, design.id],
  );
  if (result.affectedRows !== 1) return false;
  await appendToOutbox(connection, {
    aggregateType: 'design',
    aggregateId: design.id,
    type: 'design.registered',
    payload: {
      designId: design.id,
      orgId: design.orgId,
      sha256: registration.sha256.toString('hex'),
      txHash: registration.txHash,
      blockNumber: registration.blockNumber,
    },
  });
  return true;
}

export async function findDesignKey(
  db: Queryable,
  designId: string,
): Promise<{ wrappedKey: Buffer; keyRef: string; iv: Buffer; authTag: Buffer } | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT wrapped_key, key_ref, iv, auth_tag FROM design_keys WHERE design_id = ?',
    [designId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return { wrappedKey: row.wrapped_key, keyRef: row.key_ref, iv: row.iv, authTag: row.auth_tag };
}

/**
 * Designs the watchdog must re-drive: `validating` whose lease lapsed (the attempt died, or its
 * claim landed after it was killed), oldest lease first.
 */
export async function listLapsedDesigns(db: Queryable, limit: number): Promise<string[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM designs WHERE status = 'validating' AND lease_until < NOW(3) ORDER BY lease_until LIMIT ?`,
    [limit],
  );
  return rows.map((row) => String(row.id));
}

/**
 * Of `ids` (designs whose upload sits in the incoming bucket), those no attempt is working on:
 * waiting for an upload for longer than `graceSeconds` (its event is late or lost) or
 * `validating` with a lapsed lease. Judged by the database clock, as leases are.
 */
export async function listStrandedUploads(
  db: Queryable,
  ids: readonly string[],
  graceSeconds: number,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM designs
      WHERE id IN (?)
        AND ((status IN ('awaiting_upload', 'uploaded') AND created_at < NOW(3) - INTERVAL ? SECOND)
             OR (status = 'validating' AND (lease_until IS NULL OR lease_until < NOW(3))))
      ORDER BY id`,
    [ids, graceSeconds],
  );
  return rows.map((row) => String(row.id));
}

function toDesign(row: RowDataPacket): Design {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    format: row.format,
    declaredBytes: Number(row.declared_bytes),
    status: row.status,
    rejection: row.rejection_code ? { code: row.rejection_code, reason: row.rejection_reason ?? '' } : null,
    uploadKey: row.upload_key,
    sha256: row.sha256 ? (row.sha256 as Buffer).toString('hex') : null,
    sizeBytes: row.size_bytes === null ? null : Number(row.size_bytes),
    metrics: row.metrics ? (JSON.parse(row.metrics) as MeshMetricsRecord) : null,
    warnings: row.validation_warnings ? (JSON.parse(row.validation_warnings) as DesignWarning[]) : [],
    vaultKey: row.vault_key,
    thumbnailKey: row.thumbnail_key,
    chain: row.chain_tx
      ? {
          chainId: Number(row.chain_id),
          registry: row.registry_address,
          txHash: row.chain_tx,
          blockNumber: row.chain_block === null ? null : Number(row.chain_block),
        }
      : null,
    createdAt: row.created_at,
    uploadedAt: row.uploaded_at,
    finishedAt: row.finished_at,
  };
}

// Licensors (design_licensors): organisations a design's owner named to issue licenses of it. Part
// of the design aggregate, so this repository owns the table.

/** Names `orgId` as a licensor of the design; false when no such organisation exists. */
export async function grantLicensor(pool: DbPool, designId: string, orgId: string): Promise<boolean> {
  const [result] = await pool.query<ResultSetHeader>(
    `INSERT INTO design_licensors (design_id, org_id)
     SELECT ?, id FROM organisations WHERE id = ?
     ON DUPLICATE KEY UPDATE design_id = design_id`,
    [designId, orgId],
  );
  if (result.affectedRows > 0) return true;
  const [rows] = await pool.query<RowDataPacket[]>('SELECT 1 FROM organisations WHERE id = ?', [orgId]);
  return rows.length > 0;
}

/**
 * The status of a design `orgId` may issue licenses of (its own, or one it was named licensor
 * of); undefined when it may not, so a caller cannot tell that design from a missing one.
 */
export async function licensableDesignStatus(
  pool: DbPool,
  orgId: string,
  designId: string,
): Promise<string | undefined> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT d.status FROM designs d
      WHERE d.id = ? AND (d.org_id = ? OR EXISTS (
        SELECT 1 FROM design_licensors dl WHERE dl.design_id = d.id AND dl.org_id = ?))`,
    [designId, orgId, orgId],
  );
  return rows[0] ? String(rows[0].status) : undefined;
}

/** Licenses already issued stay valid; the organisation just cannot issue new ones. */
export async function revokeLicensor(pool: DbPool, designId: string, orgId: string): Promise<void> {
  await pool.query('DELETE FROM design_licensors WHERE design_id = ? AND org_id = ?', [designId, orgId]);
}

export async function listLicensors(pool: DbPool, designId: string) {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT o.id, o.name, o.kind, dl.granted_at FROM design_licensors dl
       JOIN organisations o ON o.id = dl.org_id WHERE dl.design_id = ? ORDER BY dl.granted_at`,
    [designId],
  );
  return rows.map((row) => ({
    orgId: String(row.id),
    name: String(row.name),
    kind: String(row.kind),
    grantedAt: (row.granted_at as Date).toISOString(),
  }));
}

export interface LicensableDesign {
  readonly id: string;
  readonly name: string;
  readonly format: string;
  readonly ownerOrgId: string;
  readonly ownerName: string;
  /** When the owner named the caller as licensor; null for the caller's own design. */
  readonly licensorSince: Date | null;
  readonly registeredAt: Date | null;
}

/**
 * The registered designs an organisation may issue licenses of: its own, and those whose owners
 * named it licensor. Newest first by id, a page at a time (the same rule license-mint applies).
 */
export async function listLicensableDesigns(
  pool: DbPool,
  orgId: string,
  page: { limit: number; before?: string },
): Promise<{ items: LicensableDesign[]; next: string | null }> {
  const [rows] = await pool.query<RowDataPacket[]>(
    `SELECT d.id, d.name, d.format, d.org_id, o.name AS owner_name, d.finished_at, dl.granted_at
       FROM designs d
       JOIN organisations o ON o.id = d.org_id
       LEFT JOIN design_licensors dl ON dl.design_id = d.id AND dl.org_id = ?
      WHERE d.id IN (SELECT design_id FROM design_licensors WHERE org_id = ?
                     UNION SELECT id FROM designs WHERE org_id = ?)
        AND d.status = 'registered' ${page.before ? 'AND d.id < ?' : ''}
      ORDER BY d.id DESC LIMIT ?`,
    [orgId, orgId, orgId, ...(page.before ? [page.before] : []), page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map((row) => ({
    id: String(row.id),
    name: String(row.name),
    format: String(row.format),
    ownerOrgId: String(row.org_id),
    ownerName: String(row.owner_name),
    licensorSince: String(row.org_id) === orgId ? null : ((row.granted_at as Date | null) ?? null),
    registeredAt: (row.finished_at as Date | null) ?? null,
  }));
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

/**
 * The names of these designs that exist (a license list shows them; ids of no design are left
 * out). A plain read, for display only.
 */
export async function designNames(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const [rows] = await db.query<RowDataPacket[]>('SELECT id, name FROM designs WHERE id IN (?)', [[...ids]]);
  return new Map(rows.map((row) => [String(row.id), String(row.name)]));
}

/**
 * What printing a design needs from the vault: its sealed object's key, and its data key as
 * wrapped (both null until the design is sealed); undefined for an unknown design.
 */
export async function findSealedDesign(
  db: Queryable,
  designId: string,
): Promise<
  | {
      vaultKey: string | null;
      designKey: { wrappedKey: Buffer; keyRef: string; iv: Buffer; authTag: Buffer } | null;
    }
  | undefined
> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT d.vault_key, k.wrapped_key, k.key_ref, k.iv, k.auth_tag
       FROM designs d LEFT JOIN design_keys k ON k.design_id = d.id
      WHERE d.id = ?`,
    [designId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    vaultKey: (row.vault_key as string | null) ?? null,
    designKey: row.wrapped_key
      ? { wrappedKey: row.wrapped_key, keyRef: row.key_ref, iv: row.iv, authTag: row.auth_tag }
      : null,
  };
}

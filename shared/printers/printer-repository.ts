import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';
import type { Printer, PrinterCredentialRow } from './printer.ts';

type Queryable = DbPool | DbConnection;

const COLUMNS = 'id, org_id, name, public_key_pem, public_key_sha256, status, created_at, retired_at';

export async function insertPrinter(
  db: Queryable,
  printer: {
    id: string;
    orgId: string;
    name: string;
    publicKeyPem: string;
    publicKeySha256: Buffer;
    credentialHash: Buffer;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO printers (id, org_id, name, public_key_pem, public_key_sha256, credential_hash)
     VALUES (?, ?, ?, ?, ?, ?)`,
    [
      printer.id,
      printer.orgId,
      printer.name,
      printer.publicKeyPem,
      printer.publicKeySha256,
      printer.credentialHash,
    ],
  );
}

/** Another organisation's printer is reported as missing: existence is not disclosed. */
export async function findOrgPrinter(db: Queryable, orgId: string, id: string): Promise<Printer | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM printers WHERE id = ? AND org_id = ?`,
    [id, orgId],
  );
  return rows[0] ? toPrinter(rows[0]) : undefined;
}

/** Any printer by id, whatever its organisation or status (callers check both). */
export async function findPrinter(db: Queryable, id: string): Promise<Printer | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${COLUMNS} FROM printers WHERE id = ?`, [id]);
  return rows[0] ? toPrinter(rows[0]) : undefined;
}

/** Newest first; `before` is the last id of the previous page (ULIDs sort by creation time). */
export async function listOrgPrinters(
  db: Queryable,
  orgId: string,
  page: { limit: number; before?: string },
): Promise<{ items: Printer[]; next: string | null }> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM printers WHERE org_id = ? ${page.before ? 'AND id < ?' : ''} ORDER BY id DESC LIMIT ?`,
    page.before ? [orgId, page.before, page.limit + 1] : [orgId, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toPrinter);
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

/** Which of `ids` are active printers of the organisation (a license may approve only those). */
export async function activePrinterIdsOf(
  db: Queryable,
  orgId: string,
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id FROM printers WHERE org_id = ? AND status = 'active' AND id IN (?)`,
    [orgId, ids],
  );
  return new Set(rows.map((row) => String(row.id)));
}

/** Retires an active printer of the organisation; its credential stops working at once. */
export async function retirePrinter(db: Queryable, orgId: string, id: string): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE printers SET status = 'retired', retired_at = NOW(3)
      WHERE id = ? AND org_id = ? AND status = 'active'`,
    [id, orgId],
  );
  return result.affectedRows === 1;
}

/** Replaces an active printer's credential; the old secret stops matching. */
export async function replacePrinterCredential(
  db: Queryable,
  orgId: string,
  id: string,
  credentialHash: Buffer,
): Promise<boolean> {
  const [result] = await db.query<ResultSetHeader>(
    `UPDATE printers SET credential_hash = ? WHERE id = ? AND org_id = ? AND status = 'active'`,
    [credentialHash, id, orgId],
  );
  return result.affectedRows === 1;
}

export async function findPrinterCredential(
  db: Queryable,
  printerId: string,
): Promise<PrinterCredentialRow | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(
    'SELECT id, org_id, credential_hash, status FROM printers WHERE id = ?',
    [printerId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    printerId: row.id as string,
    orgId: row.org_id as string,
    credentialHash: row.credential_hash as Buffer,
    status: row.status as PrinterCredentialRow['status'],
  };
}

function toPrinter(row: RowDataPacket): Printer {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    publicKeyPem: row.public_key_pem,
    publicKeySha256: (row.public_key_sha256 as Buffer).toString('hex'),
    status: row.status,
    createdAt: row.created_at,
    retiredAt: row.retired_at,
  };
}

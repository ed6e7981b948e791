import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { DbPool } from '../db/pool.ts';

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

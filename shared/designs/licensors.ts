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

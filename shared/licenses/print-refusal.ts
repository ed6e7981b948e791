import type { RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';

/** Why a print was not authorised, in the order the checks are made. */
export type PrintRefusal =
  /** Missing, or held by another organisation (the two are not told apart). */
  | { readonly reason: 'license_not_found' }
  /** The printer was retired (or moved) after the gateway let its credential through. */
  | { readonly reason: 'printer_inactive' }
  | { readonly reason: 'license_pending' }
  | { readonly reason: 'license_failed' }
  | { readonly reason: 'license_revoked' }
  | { readonly reason: 'license_expired' }
  | { readonly reason: 'printer_not_approved' }
  | {
      readonly reason: 'prints_exhausted';
      readonly printsTotal: number;
      readonly printsUsed: number;
      readonly printsReserved: number;
    }
  /** The reservation missed, yet the license reads as usable: it changed in between. */
  | { readonly reason: 'available' }
  /** Still racing after several attempts. */
  | { readonly reason: 'license_busy' };

/** Read once, after the reserving UPDATE matched nothing, to say which of its conditions failed. */
export async function diagnoseRefusal(
  db: DbPool | DbConnection,
  request: { licenseId: string; printerId: string; orgId: string },
): Promise<PrintRefusal> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT l.holder_org_id, l.status, l.revoked_at IS NOT NULL AS revoked, l.expires_at <= NOW(3) AS expired,
            l.prints_total, l.prints_used, l.prints_reserved,
            EXISTS (SELECT 1 FROM license_printers lp WHERE lp.license_id = l.id) AS bound,
            EXISTS (SELECT 1 FROM license_printers lp WHERE lp.license_id = l.id AND lp.printer_id = ?)
              AS approved,
            EXISTS (SELECT 1 FROM printers p WHERE p.id = ? AND p.org_id = l.holder_org_id AND p.status = 'active')
              AS printer_active
       FROM licenses l WHERE l.id = ?`,
    [request.printerId, request.printerId, request.licenseId],
  );
  const row = rows[0];
  if (!row || row.holder_org_id !== request.orgId) return { reason: 'license_not_found' };
  if (Number(row.printer_active) !== 1) return { reason: 'printer_inactive' };
  if (row.status === 'pending') return { reason: 'license_pending' };
  if (row.status !== 'active') return { reason: 'license_failed' };
  if (Number(row.revoked) === 1) return { reason: 'license_revoked' };
  if (Number(row.expired) === 1) return { reason: 'license_expired' };
  if (Number(row.bound) === 1 && Number(row.approved) !== 1) return { reason: 'printer_not_approved' };
  const counts = {
    printsTotal: Number(row.prints_total),
    printsUsed: Number(row.prints_used),
    printsReserved: Number(row.prints_reserved),
  };
  if (counts.printsUsed + counts.printsReserved >= counts.printsTotal) {
    return { reason: 'prints_exhausted', ...counts };
  }
  return { reason: 'available' };
}

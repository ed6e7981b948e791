import type { RowDataPacket } from 'mysql2/promise';
import type { DbConnection, DbPool } from '../db/pool.ts';

type Queryable = DbPool | DbConnection;

/** Where the earlier registration was found. */
export type ConflictSource = 'vault' | 'chain';

export interface ProvenanceConflict {
  readonly id: number;
  /** Hex SHA-256 of the file both uploads share. */
  readonly sha256: string;
  readonly holder: {
    /** A design id when the vault knows the holder, else the registry's bytes16 id. */
    readonly designId: string;
    readonly orgId: string | null;
    /** The holder's creator address on chain, when the conflict was found there. */
    readonly creator: string | null;
  };
  readonly later: { readonly designId: string; readonly orgId: string };
  readonly detectedBy: ConflictSource;
  readonly detectedAt: Date;
}

export interface NewProvenanceConflict {
  readonly sha256: Buffer;
  readonly holder: {
    readonly designId: string;
    readonly orgId: string | null;
    readonly creator: string | null;
  };
  readonly later: { readonly designId: string; readonly orgId: string };
  readonly detectedBy: ConflictSource;
}

/**
 * Records that `later` was refused because `holder` registered the same file first. One row per
 * refused design: a redelivered event records nothing new.
 */
export async function recordProvenanceConflict(
  db: Queryable,
  conflict: NewProvenanceConflict,
): Promise<void> {
  await db.query(
    `INSERT IGNORE INTO design_provenance_conflicts
       (sha256, holder_design_id, holder_org_id, holder_creator, later_design_id, later_org_id, detected_by)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      conflict.sha256,
      conflict.holder.designId,
      conflict.holder.orgId,
      conflict.holder.creator,
      conflict.later.designId,
      conflict.later.orgId,
      conflict.detectedBy,
    ],
  );
}

/** Newest first; `before` is the last id of the previous page. */
export async function listProvenanceConflicts(
  db: Queryable,
  page: { limit: number; before?: number; orgId?: string },
): Promise<{ items: ProvenanceConflict[]; next: number | null }> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (page.orgId !== undefined) {
    where.push('(holder_org_id = ? OR later_org_id = ?)');
    params.push(page.orgId, page.orgId);
  }
  if (page.before !== undefined) {
    where.push('id < ?');
    params.push(page.before);
  }
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT id, sha256, holder_design_id, holder_org_id, holder_creator, later_design_id, later_org_id,
            detected_by, detected_at
       FROM design_provenance_conflicts
      ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY id DESC LIMIT ?`,
    [...params, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toConflict);
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

function toConflict(row: RowDataPacket): ProvenanceConflict {
  return {
    id: Number(row.id),
    sha256: (row.sha256 as Buffer).toString('hex'),
    holder: { designId: row.holder_design_id, orgId: row.holder_org_id, creator: row.holder_creator },
    later: { designId: row.later_design_id, orgId: row.later_org_id },
    detectedBy: row.detected_by,
    detectedAt: row.detected_at,
  };
}

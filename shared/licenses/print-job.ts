import type { RowDataPacket } from 'mysql2/promise';

export type PrintJobState = 'granted' | 'succeeded' | 'failed' | 'expired';

/** One authorised print: a reservation while `granted`, then counted against the license or refunded. */
export interface PrintJob {
  readonly id: string;
  readonly licenseId: string;
  readonly printerId: string;
  readonly orgId: string;
  readonly serial: string;
  readonly state: PrintJobState;
  readonly counted: boolean;
  readonly refunded: boolean;
  readonly failureReason: string | null;
  readonly grantedAt: Date;
  readonly grantExpiresAt: Date;
  readonly completedAt: Date | null;
  readonly settlementId: number | null;
  readonly settledAt: Date | null;
}

export const PRINT_JOB_COLUMNS = `id, license_id, printer_id, org_id, serial, state, counted, refunded, failure_reason,
  granted_at, grant_expires_at, completed_at, settlement_id, settled_at`;

export function toPrintJob(row: RowDataPacket): PrintJob {
  return {
    id: row.id,
    licenseId: row.license_id,
    printerId: row.printer_id,
    orgId: row.org_id,
    serial: row.serial,
    state: row.state,
    counted: Number(row.counted) === 1,
    refunded: Number(row.refunded) === 1,
    failureReason: row.failure_reason,
    grantedAt: row.granted_at,
    grantExpiresAt: row.grant_expires_at,
    completedAt: row.completed_at,
    settlementId: row.settlement_id === null ? null : Number(row.settlement_id),
    settledAt: row.settled_at,
  };
}

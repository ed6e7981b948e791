import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { findDesign } from '#shared/designs/design-repository.ts';
import { type DbConnection, type DbPool, isRetryableTransactionError, withTransaction } from '../db/pool.ts';
import { newId } from '../ids.ts';
import { appendToOutbox, type OutboxStatement, outboxAppendStatements } from '../outbox/outbox.ts';
import {
  lockPrintAllowance,
  RESERVE_PRINT_SQL,
  releaseReservedPrint,
  settleReservedPrint,
} from './license-repository.ts';
import { PRINT_JOB_COLUMNS, type PrintJob, type PrintJobState, toPrintJob } from './print-job.ts';
import { diagnoseRefusal, type PrintRefusal } from './print-refusal.ts';
import { printSerial } from './print-serial.ts';

/**
 * The off-chain print ledger, the enforcement point of every license:
 * `prints_used + prints_reserved <= prints_total` holds under any concurrency because a print is
 * only ever reserved by one conditional UPDATE of the license row. A grant holds its reservation
 * until the printer reports the outcome (counted, or refunded within the failure allowance) or
 * the grant expires and gives the print back.
 */
export interface PrintRequest {
  readonly licenseId: string;
  readonly printerId: string;
  /** The printer's organisation: it must hold the license. */
  readonly orgId: string;
  /** For the domain event only; the license row is not read on the way to a grant. */
  readonly designId: string;
  readonly grantTtlSeconds: number;
}

export type Authorization =
  | {
      readonly granted: true;
      readonly jobId: string;
      readonly serial: string;
      readonly grantedAt: Date;
      readonly grantExpiresAt: Date;
    }
  | { readonly granted: false; readonly refusal: PrintRefusal };

/** Expired grants looked at per release on the authorization path. */
const RELEASE_BATCH = 100;
/** A miss whose re-read finds the license usable lost a race with a completion or release. */
const MAX_ATTEMPTS = 3;

/**
 * Reserves one print of the license for the printer and records its job, or says why not. A
 * refusal is explained by one read of the license; an exhausted license first gets the prints
 * of its lapsed grants back and is tried once more. `pool` must be created with
 * `multipleStatements` (the reservation is one round trip of several statements).
 */
export async function authorizePrint(pool: DbPool, request: PrintRequest): Promise<Authorization> {
  let releasedOnce = false;
  let last: Authorization | undefined;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    last = await reserveOnce(pool, request);
    if (last.granted) return last;
    const { refusal } = last;
    if (refusal.reason === 'available') continue;
    if (refusal.reason === 'prints_exhausted' && !releasedOnce) {
      releasedOnce = true;
      const released = await releaseExpiredGrants(pool, {
        licenseId: request.licenseId,
        limit: RELEASE_BATCH,
      });
      if (released > 0) continue;
    }
    return last;
  }
  return last?.granted === false && last.refusal.reason !== 'available'
    ? last
    : { granted: false, refusal: { reason: 'license_busy' } };
}

/**
 * The whole reservation in one round trip instead of six (BEGIN, the outbox's two statements, the
 * UPDATE, the job, COMMIT): each round trip was a socket write and a wake-up on both sides, most
 * of an authorization's own cost on a busy host, and the license row stayed locked across the
 * ones after the UPDATE. Plain statements sent together (the pool must allow multiple
 * statements; MariaDB and MySQL alike): the conditional UPDATE still decides alone, under the
 * license row lock, and leaves the new sequence in @print_seq, or NULL when it matched nothing;
 * the job and the event are written only when it is set. The license row is locked before the
 * outbox lock row, the order completePrint and expireGrant take them in.
 */
function reservationSql(outbox: readonly OutboxStatement[]): string {
  return [
    'START TRANSACTION',
    RESERVE_PRINT_SQL,
    // LAST_INSERT_ID() keeps an older value when the UPDATE matched nothing.
    'SET @print_seq = IF(ROW_COUNT() = 1, LAST_INSERT_ID(), NULL)',
    `INSERT INTO print_jobs (id, license_id, printer_id, org_id, serial, granted_at, grant_expires_at)
     SELECT ?, ?, ?, ?, ${SERIAL_SQL}, ?, ? FROM DUAL WHERE ${RESERVED}`,
    ...outbox.map((statement) => statement.sql),
    'COMMIT',
    'SELECT @print_seq AS seq',
  ].join(';\n');
}

const RESERVED = '@print_seq IS NOT NULL';
/** printSerial in SQL (the sequence is only known there): `FC-<license id>-<sequence, 6+ digits>`. */
const SERIAL_SQL = "CONCAT('FC-', ?, '-', LPAD(@print_seq, GREATEST(6, CHAR_LENGTH(@print_seq)), '0'))";

async function reserveOnce(pool: DbPool, request: PrintRequest): Promise<Authorization> {
  const jobId = newId();
  const grantedAt = new Date();
  const grantExpiresAt = new Date(grantedAt.getTime() + request.grantTtlSeconds * 1000);
  // It names the job; the serial is on the job row.
  const event = outboxAppendStatements(
    {
      aggregateType: 'license',
      aggregateId: request.licenseId,
      type: 'print.authorized',
      payload: {
        jobId,
        licenseId: request.licenseId,
        designId: request.designId,
        printerId: request.printerId,
        orgId: request.orgId,
        grantExpiresAt: grantExpiresAt.toISOString(),
      },
    },
    { onlyIf: RESERVED },
  );
  const values = [
    request.licenseId,
    request.orgId,
    request.printerId,
    request.printerId,
    jobId,
    request.licenseId,
    request.printerId,
    request.orgId,
    request.licenseId,
    grantedAt,
    grantExpiresAt,
    ...event.statements.flatMap((statement) => statement.values),
  ];
  const sql = reservationSql(event.statements);
  let seq: unknown;
  for (let attempt = 0; ; attempt += 1) {
    const connection = await pool.getConnection();
    let broken = false;
    try {
      const [results] = await connection.query<RowDataPacket[][]>(sql, values);
      seq = results.at(-1)?.[0]?.seq;
      break;
    } catch (err) {
      // The statements after a failing one did not run: the transaction may still be open.
      try {
        await connection.query('ROLLBACK');
      } catch {
        broken = true;
      }
      if (!isRetryableTransactionError(err) || attempt >= RESERVE_RETRIES) throw err;
      await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * (1 + Math.random())));
    } finally {
      if (broken) connection.destroy();
      else connection.release();
    }
  }
  if (seq === null || seq === undefined) {
    return { granted: false, refusal: await diagnoseRefusal(pool, request) };
  }
  return {
    granted: true,
    jobId,
    serial: printSerial(request.licenseId, Number(seq)),
    grantedAt,
    grantExpiresAt,
  };
}

/** Extra attempts after a deadlock or lock wait timeout, as withTransaction makes. */
const RESERVE_RETRIES = 3;

/**
 * Gives the prints of lapsed grants back to their licenses, one job per transaction so no
 * license row stays locked for a whole batch. Safe to run from several places at once: a job is
 * expired (and its reservation released) only by the UPDATE that moves it out of `granted`.
 */
export async function releaseExpiredGrants(
  pool: DbPool,
  options: { licenseId?: string; limit: number },
): Promise<number> {
  const [candidates] = await pool.query<RowDataPacket[]>(
    `SELECT id, license_id, printer_id FROM print_jobs
      WHERE state = 'granted' AND grant_expires_at <= NOW(3) ${options.licenseId ? 'AND license_id = ?' : ''}
      ORDER BY grant_expires_at LIMIT ?`,
    options.licenseId ? [options.licenseId, options.limit] : [options.limit],
  );
  let released = 0;
  for (const row of candidates) {
    const job = {
      id: row.id as string,
      licenseId: row.license_id as string,
      printerId: row.printer_id as string,
    };
    if (await withTransaction(pool, (connection) => expireGrant(connection, job))) released += 1;
  }
  return released;
}

async function expireGrant(
  connection: DbConnection,
  job: { id: string; licenseId: string; printerId: string },
): Promise<boolean> {
  const [expired] = await connection.query<ResultSetHeader>(
    `UPDATE print_jobs SET state = 'expired' WHERE id = ? AND state = 'granted' AND grant_expires_at <= NOW(3)`,
    [job.id],
  );
  if (expired.affectedRows !== 1) return false;
  await releaseReservedPrint(connection, job.licenseId);
  await appendToOutbox(connection, {
    aggregateType: 'license',
    aggregateId: job.licenseId,
    type: 'print.expired',
    payload: { jobId: job.id, licenseId: job.licenseId, printerId: job.printerId },
  });
  return true;
}

export type PrintOutcome = 'succeeded' | 'failed';

export type Completion =
  | { readonly kind: 'completed'; readonly job: PrintJob }
  | { readonly kind: 'not_found' }
  /** The grant was already completed: a replay of the same grant. */
  | { readonly kind: 'already_used'; readonly state: PrintJobState }
  | { readonly kind: 'expired' };

/**
 * Records a printer's report. A success counts the print; a failure goes back to the license
 * while `failures_refunded < failure_allowance`, and counts like a success after that. A grant
 * can be completed once; a lapsed one is expired here (its print released) and refused.
 */
export async function completePrint(
  pool: DbPool,
  report: { jobId: string; printerId: string; outcome: PrintOutcome; reason?: string },
): Promise<Completion> {
  return withTransaction(pool, async (connection): Promise<Completion> => {
    const [jobs] = await connection.query<RowDataPacket[]>(
      `SELECT license_id, org_id, state, grant_expires_at <= NOW(3) AS lapsed FROM print_jobs
        WHERE id = ? AND printer_id = ? FOR UPDATE`,
      [report.jobId, report.printerId],
    );
    const job = jobs[0];
    if (!job) return { kind: 'not_found' };
    const licenseId = job.license_id as string;
    if (job.state === 'expired') return { kind: 'expired' };
    if (job.state !== 'granted') return { kind: 'already_used', state: job.state };
    if (Number(job.lapsed) === 1) {
      await expireGrant(connection, { id: report.jobId, licenseId, printerId: report.printerId });
      return { kind: 'expired' };
    }

    const license = await lockPrintAllowance(connection, licenseId);
    const refunded = report.outcome === 'failed' && license.failuresRefunded < license.failureAllowance;
    await settleReservedPrint(connection, licenseId, refunded);
    await connection.query(
      `UPDATE print_jobs SET state = ?, counted = ?, refunded = ?, failure_reason = ?, completed_at = NOW(3)
        WHERE id = ?`,
      [
        report.outcome,
        refunded ? 0 : 1,
        refunded ? 1 : 0,
        report.outcome === 'failed' ? (report.reason ?? null) : null,
        report.jobId,
      ],
    );
    // The design and its owner, for the designer dashboards (read after the license lock, like the rest).
    const designId = license.designId;
    const design = await findDesign(connection, designId);
    await appendToOutbox(connection, {
      aggregateType: 'license',
      aggregateId: licenseId,
      type: 'print.completed',
      payload: {
        jobId: report.jobId,
        licenseId,
        printerId: report.printerId,
        orgId: job.org_id,
        outcome: report.outcome,
        counted: !refunded,
        refunded,
        designId,
        ...(design ? { designOrgId: design.orgId } : {}),
      },
    });
    return { kind: 'completed', job: (await findPrintJob(connection, report.jobId)) as PrintJob };
  });
}

export async function findPrintJob(db: DbPool | DbConnection, id: string): Promise<PrintJob | undefined> {
  const [rows] = await db.query<RowDataPacket[]>(`SELECT ${PRINT_JOB_COLUMNS} FROM print_jobs WHERE id = ?`, [
    id,
  ]);
  return rows[0] ? toPrintJob(rows[0]) : undefined;
}

/**
 * The print jobs of a holder organisation, newest first, optionally of one license. The holder is
 * the printers' organisation (a reservation requires it), so `org_id` is the holder. Without a
 * license the rows are found through the holder's licenses (`licenses_holder_page`, then
 * `print_jobs_license`): print_jobs has no (org_id, id) index of its own.
 */
export async function listHolderPrintJobs(
  db: DbPool | DbConnection,
  holderOrgId: string,
  page: { limit: number; before?: string; licenseId?: string },
): Promise<{ items: PrintJob[]; next: string | null }> {
  const conditions = ['l.holder_org_id = ?', 'pj.org_id = ?'];
  const params: unknown[] = [holderOrgId, holderOrgId];
  if (page.licenseId !== undefined) {
    conditions.push('l.id = ?');
    params.push(page.licenseId);
  }
  if (page.before !== undefined) {
    conditions.push('pj.id < ?');
    params.push(page.before);
  }
  const columns = PRINT_JOB_COLUMNS.split(',')
    .map((column) => `pj.${column.trim()}`)
    .join(', ');
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT ${columns} FROM licenses l JOIN print_jobs pj ON pj.license_id = l.id
      WHERE ${conditions.join(' AND ')} ORDER BY pj.id DESC LIMIT ?`,
    [...params, page.limit + 1],
  );
  const items = rows.slice(0, page.limit).map(toPrintJob);
  return { items, next: rows.length > page.limit ? (items.at(-1)?.id ?? null) : null };
}

// A settlement's prints (print_jobs.settlement_id, settled_at): written here for the settlement
// repository, which owns the settlements rows and calls these in its transactions.

export interface SettlementJob {
  readonly id: string;
  readonly licenseId: string;
  readonly tokenId: string;
  /** Where the license's history on chain starts (null: unknown, search from block 0). */
  readonly mintBlock: number | null;
}

/**
 * Marks these unsettled prints settled, locked in license then job order, and gives each one's
 * license and token; prints already settled are left out.
 */
export async function markPrintsSettled(
  connection: DbConnection,
  jobIds: readonly string[],
): Promise<Array<{ id: string; licenseId: string; tokenId: string | null }>> {
  const [rows] = await connection.query<RowDataPacket[]>(
    `SELECT pj.id, pj.license_id, l.token_id FROM print_jobs pj JOIN licenses l ON l.id = pj.license_id
      WHERE pj.id IN (?) AND pj.settled_at IS NULL ORDER BY pj.license_id, pj.id FOR UPDATE`,
    [[...jobIds]],
  );
  if (rows.length === 0) return [];
  await connection.query('UPDATE print_jobs SET settled_at = NOW(3) WHERE id IN (?) AND settled_at IS NULL', [
    rows.map((row) => String(row.id)),
  ]);
  return rows.map((row) => ({
    id: String(row.id),
    licenseId: String(row.license_id),
    tokenId: (row.token_id as string | null) ?? null,
  }));
}

/** Claims the counted, unclaimed, unsettled prints among these for the settlement; how many. */
export async function claimPrintsForSettlement(
  connection: DbConnection,
  settlementId: number,
  jobIds: readonly string[],
): Promise<number> {
  const [claimed] = await connection.query<ResultSetHeader>(
    `UPDATE print_jobs SET settlement_id = ?
      WHERE id IN (?) AND counted = 1 AND settlement_id IS NULL AND settled_at IS NULL`,
    [settlementId, [...jobIds]],
  );
  return claimed.affectedRows;
}

/** The jobs a settlement claimed that are not settled yet, by license then job id. */
export async function settlementJobs(
  db: DbPool | DbConnection,
  settlementId: number,
): Promise<SettlementJob[]> {
  const [rows] = await db.query<RowDataPacket[]>(
    `SELECT pj.id, pj.license_id, l.token_id, l.mint_block FROM print_jobs pj
       JOIN licenses l ON l.id = pj.license_id
      WHERE pj.settlement_id = ? AND pj.settled_at IS NULL ORDER BY pj.license_id, pj.id`,
    [settlementId],
  );
  return rows.map((row) => ({
    id: String(row.id),
    licenseId: String(row.license_id),
    tokenId: String(row.token_id),
    mintBlock: row.mint_block === null ? null : Number(row.mint_block),
  }));
}

/** Hands the settlement's unsettled prints back for another settlement; their ids. */
export async function releaseSettlementPrints(
  connection: DbConnection,
  settlementId: number,
): Promise<string[]> {
  const [rows] = await connection.query<RowDataPacket[]>(
    'SELECT id FROM print_jobs WHERE settlement_id = ? AND settled_at IS NULL FOR UPDATE',
    [settlementId],
  );
  const released = rows.map((row) => String(row.id));
  if (released.length > 0) {
    await connection.query('UPDATE print_jobs SET settlement_id = NULL WHERE id IN (?)', [released]);
  }
  return released;
}

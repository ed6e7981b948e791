import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { authorizePrint } from '#shared/licenses/print-ledger.ts';
import { printSerial } from '#shared/licenses/print-serial.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import {
  createLicense,
  insertPrinter,
  insertRegisteredDesign,
  licenseCounts,
} from '#test/support/licenses.ts';

/**
 * The reservation is one compound statement (the serial is made in SQL there): the job row, the
 * grant and the event must agree, past six digits too, and a refusal must write nothing.
 */
describe('Print ledger: authorizePrint', () => {
  let db: TestDatabase;
  let designer: { orgId: string };
  let holder: { orgId: string };
  let designId: string;
  let printerId: string;

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'print_ledger');
    designer = await createOrgWithKey(db.pool, [], { kind: 'designer' });
    holder = await createOrgWithKey(db.pool, [], { kind: 'licensee' });
    designId = await insertRegisteredDesign(db.pool, designer.orgId);
    printerId = await insertPrinter(db.pool, holder.orgId);
  }, 60_000);

  afterAll(async () => {
    await db?.drop();
  });

  const license = (printsTotal: number) =>
    createLicense(db.pool, {
      issuerOrgId: designer.orgId,
      holderOrgId: holder.orgId,
      designId,
      printsTotal,
    });
  const request = (licenseId: string) => ({
    licenseId,
    printerId,
    orgId: holder.orgId,
    designId,
    grantTtlSeconds: 60,
  });

  it('writes the job, the serial and the print.authorized event of a grant, past six digits too', async () => {
    // Arrange
    const licenseId = await license(5);
    await db.pool.query('UPDATE licenses SET print_seq = 999999 WHERE id = ?', [licenseId]);

    // Act
    const granted = await authorizePrint(db.pool, request(licenseId));

    // Assess
    if (!granted.granted) throw new Error(`refused: ${granted.refusal.reason}`);
    expect(granted.serial).toBe(printSerial(licenseId, 1_000_000));
    const [jobs] = await db.pool.query<RowDataPacket[]>(
      'SELECT id, serial, state, printer_id, org_id FROM print_jobs WHERE license_id = ?',
      [licenseId],
    );
    expect(jobs).toEqual([
      {
        id: granted.jobId,
        serial: granted.serial,
        state: 'granted',
        printer_id: printerId,
        org_id: holder.orgId,
      },
    ]);
    const [events] = await db.pool.query<RowDataPacket[]>(
      "SELECT payload FROM outbox WHERE aggregate_type = 'license' AND aggregate_id = ? AND event_type = 'print.authorized'",
      [licenseId],
    );
    expect(events.map((row) => JSON.parse(String(row.payload)).jobId)).toEqual([granted.jobId]);
    expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 1, printSeq: 1_000_000 });
  });

  it('refuses an exhausted license with its counts and writes no job, event or reservation', async () => {
    // Arrange
    const licenseId = await license(1);
    const first = await authorizePrint(db.pool, request(licenseId));

    // Act
    const second = await authorizePrint(db.pool, request(licenseId));

    // Assess
    expect(first.granted).toBe(true);
    expect(second).toEqual({
      granted: false,
      refusal: { reason: 'prints_exhausted', printsTotal: 1, printsUsed: 0, printsReserved: 1 },
    });
    const [rows] = await db.pool.query<RowDataPacket[]>(
      `SELECT (SELECT COUNT(*) FROM print_jobs WHERE license_id = ?) AS jobs,
              (SELECT COUNT(*) FROM outbox WHERE aggregate_id = ? AND event_type = 'print.authorized') AS events`,
      [licenseId, licenseId],
    );
    expect(rows[0]).toMatchObject({ jobs: 1, events: 1 });
    expect(await licenseCounts(db.pool, licenseId)).toMatchObject({ printsReserved: 1, printSeq: 1 });
  });
});

import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEFAULT_MIGRATIONS_DIR, loadMigrations, migrate } from '#shared/db/migrations.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import { withDatabase } from '#test/support/db.ts';

/**
 * Migration 0013 (tickets belong to people) on data written the pre-0013 way: the schema is
 * migrated to 0012, rows are inserted as the code of that time wrote them, then 0013 runs.
 */
describe('Migration 0013: tickets of people', () => {
  let admin: DbPool;
  let pool: DbPool;
  let url: string;
  let databaseName: string;
  let dir: string;

  const org = async (kind: string) => {
    const id = newId();
    await pool.query('INSERT INTO organisations (id, name, kind) VALUES (?, ?, ?)', [id, `org ${id}`, kind]);
    return id;
  };
  const user = async () => {
    const id = newId();
    await pool.query('INSERT INTO users (id, issuer, subject, email, name) VALUES (?, ?, ?, ?, ?)', [
      id,
      'https://id.test',
      id,
      `${id.toLowerCase()}@example.test`,
      `Person ${id.slice(-4)}`,
    ]);
    return id;
  };
  const member = (userId: string, orgId: string, role = 'viewer') =>
    pool.query('INSERT INTO memberships (user_id, org_id, role) VALUES (?, ?, ?)', [userId, orgId, role]);
  /** A paid order with `seats` tickets, as fulfilment wrote them before 0013. */
  const order = async (showId: string, buyerOrgId: string, seats = 1) => {
    const holdId = newId();
    await pool.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, quantity, amount_total, currency, status, expires_at)
       VALUES (?, ?, ?, ?, ?, 'eur', 'paid', NOW(3))`,
      [holdId, showId, buyerOrgId, seats, 1000 * seats],
    );
    const ticketIds: string[] = [];
    for (let seat = 1; seat <= seats; seat++) {
      const id = newId();
      ticketIds.push(id);
      await pool.query(
        'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, seat) VALUES (?, ?, ?, ?, ?)',
        [id, showId, holdId, buyerOrgId, seat],
      );
    }
    return { holdId, ticketIds };
  };
  const holdRow = async (id: string) =>
    (
      await pool.query<RowDataPacket[]>('SELECT buyer_org_id, buyer_user_id FROM seat_holds WHERE id = ?', [
        id,
      ])
    )[0][0];
  const ticketRows = async (ids: string[]) =>
    (
      await pool.query<RowDataPacket[]>(
        'SELECT holder_org_id, holder_user_id FROM tickets WHERE id IN (?) ORDER BY seat',
        [ids],
      )
    )[0].map((row) => ({ ...row }));

  beforeAll(async () => {
    const base = inject('mysqlUrl');
    databaseName = `t_mig0013_${newId().slice(-8).toLowerCase()}`;
    admin = createPool(base, { connectionLimit: 1 });
    await admin.query(`CREATE DATABASE \`${databaseName}\``);
    url = withDatabase(base, databaseName);
    dir = await mkdtemp(join(tmpdir(), 'forgecast-mig0013-'));
    await mkdir(dir, { recursive: true });
    for (const file of (await loadMigrations()).filter((m) => m.version < 13)) {
      await copyFile(join(DEFAULT_MIGRATIONS_DIR, file.fileName), join(dir, file.fileName));
    }
    await migrate(url, dir);
    pool = createPool(url, { connectionLimit: 2 });
  });

  afterAll(async () => {
    await pool?.end();
    await admin?.query(`DROP DATABASE IF EXISTS \`${databaseName}\``);
    await admin?.end();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives a one-member viewer organisation’s orders and tickets to its member, keeping the organisation', async () => {
    // Prepare: the rows of five kinds of buyer, written the pre-0013 way.
    const creator = await org('creator');
    const showId = newId();
    await pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency)
       VALUES (?, ?, 'Migrated show', '2031-01-01 20:00:00', 50, 1000, 'eur')`,
      [showId, creator],
    );
    const alone = await org('viewer');
    const person = await user();
    await member(person, alone);
    const shared = await org('viewer');
    const [first, second] = [await user(), await user()];
    await member(first, shared);
    await member(second, shared, 'org_admin');
    const empty = await org('viewer');
    const boxOffice = await org('integrator');
    const boxOfficeClerk = await user();
    await member(boxOfficeClerk, boxOffice, 'org_admin');
    // A person who is the only member of a viewer organisation and of another one: both count.
    const personal = await org('viewer');
    await member(boxOfficeClerk, personal);

    const aloneOrder = await order(showId, alone, 2);
    const sharedOrder = await order(showId, shared);
    const emptyOrder = await order(showId, empty);
    const boxOfficeOrder = await order(showId, boxOffice, 3);
    const personalOrder = await order(showId, personal);

    // Act
    const rest = (await loadMigrations()).filter((m) => m.version >= 13);
    for (const file of rest)
      await copyFile(join(DEFAULT_MIGRATIONS_DIR, file.fileName), join(dir, file.fileName));
    expect((await migrate(url, dir)).applied).toEqual(rest.map((m) => m.version));

    // Assess: the member gets them, the organisation keeps them.
    expect(await holdRow(aloneOrder.holdId)).toEqual({ buyer_org_id: alone, buyer_user_id: person });
    expect(await ticketRows(aloneOrder.ticketIds)).toEqual([
      { holder_org_id: alone, holder_user_id: person },
      { holder_org_id: alone, holder_user_id: person },
    ]);
    expect(await holdRow(personalOrder.holdId)).toEqual({
      buyer_org_id: personal,
      buyer_user_id: boxOfficeClerk,
    });
    expect(await ticketRows(personalOrder.ticketIds)).toEqual([
      { holder_org_id: personal, holder_user_id: boxOfficeClerk },
    ]);
    // No single person: the organisation's only, as before.
    for (const { holdId, ticketIds } of [sharedOrder, emptyOrder, boxOfficeOrder]) {
      const buyer_org_id = (await holdRow(holdId))?.buyer_org_id;
      expect(await holdRow(holdId)).toEqual({ buyer_org_id, buyer_user_id: null });
      for (const row of await ticketRows(ticketIds)) {
        expect(row).toEqual({ holder_org_id: buyer_org_id, holder_user_id: null });
      }
    }
    // Nothing lost: every ticket still there.
    const [count] = await pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM tickets WHERE show_id = ?', [
      showId,
    ]);
    expect(Number(count[0]?.n)).toBe(8);
  });

  it('refuses an order or a ticket that names neither a person nor an organisation', async () => {
    const creator = await org('creator');
    const showId = newId();
    await pool.query(
      `INSERT INTO shows (id, org_id, title, starts_at, capacity, price_amount, currency)
       VALUES (?, ?, 'Checked show', '2031-01-01 20:00:00', 50, 1000, 'eur')`,
      [showId, creator],
    );
    const holdId = newId();
    await expect(
      pool.query(
        `INSERT INTO seat_holds (id, show_id, buyer_org_id, buyer_user_id, quantity, amount_total, currency, status, expires_at)
         VALUES (?, ?, NULL, NULL, 1, 1000, 'eur', 'paid', NOW(3))`,
        [holdId, showId],
      ),
    ).rejects.toThrow(/seat_holds_one_buyer/);
    const person = await user();
    await pool.query(
      `INSERT INTO seat_holds (id, show_id, buyer_org_id, buyer_user_id, quantity, amount_total, currency, status, expires_at)
       VALUES (?, ?, NULL, ?, 1, 1000, 'eur', 'paid', NOW(3))`,
      [holdId, showId, person],
    );
    await expect(
      pool.query(
        'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, holder_user_id, seat) VALUES (?, ?, ?, NULL, NULL, 1)',
        [newId(), showId, holdId],
      ),
    ).rejects.toThrow(/tickets_one_holder/);
    await pool.query(
      'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, holder_user_id, seat) VALUES (?, ?, ?, NULL, ?, 1)',
      [newId(), showId, holdId, person],
    );
    // A person that does not exist is refused by the foreign key.
    await expect(
      pool.query(
        'INSERT INTO tickets (id, show_id, hold_id, holder_org_id, holder_user_id, seat) VALUES (?, ?, ?, NULL, ?, 2)',
        [newId(), showId, holdId, newId()],
      ),
    ).rejects.toThrow(/foreign key/i);
  });
});

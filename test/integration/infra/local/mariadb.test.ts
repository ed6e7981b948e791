import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '#shared/db/pool.ts';
import { startMariaDb } from '../../../../infra/local/mariadb.ts';

async function query(url: string, sql: string): Promise<RowDataPacket[]> {
  const pool = createPool(url, { connectionLimit: 1 });
  try {
    const [rows] = await pool.query<RowDataPacket[]>(sql);
    return rows;
  } finally {
    await pool.end();
  }
}

describe('startMariaDb', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'forgecast-mariadb-'));
  });

  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('starts a private server with the forgecast database, and keeps data across a restart', async () => {
    const first = await startMariaDb({ dataDir });
    try {
      expect(first.url).toBe(`mysql://root@127.0.0.1:${first.port}/forgecast`);
      await query(first.url, 'CREATE TABLE kept (id INT PRIMARY KEY)');
      await query(first.url, 'INSERT INTO kept VALUES (7)');
    } finally {
      await first.stop();
    }
    await expect(query(first.url, 'SELECT 1')).rejects.toThrow();

    const second = await startMariaDb({ dataDir });
    try {
      expect(await query(second.url, 'SELECT id FROM kept')).toEqual([{ id: 7 }]);
    } finally {
      await second.stop();
    }
  });

  it("gives the server a temporary folder of its own, so servers side by side cannot delete each other's temp files", async () => {
    // With the shared /tmp, concurrent mariadb-install-db runs failed about one time in eight
    // ("Unknown table 'mysql.tmp_user_sys'"): a starting server removed the other's temp tables.
    const server = await startMariaDb({ dataDir });
    try {
      expect(await query(server.url, 'SELECT @@tmpdir AS dir')).toEqual([{ dir: join(dataDir, 'tmp') }]);
    } finally {
      await server.stop();
    }
  });

  it('recovers when the previous server was killed and left its pid file and socket behind', async () => {
    const crashed = await startMariaDb({ dataDir });
    await query(crashed.url, 'INSERT INTO kept VALUES (8)');
    const pid = Number((await readFile(join(dataDir, 'mariadbd.pid'), 'utf8')).trim());
    process.kill(pid, 'SIGKILL');
    await crashed.stop();

    const restarted = await startMariaDb({ dataDir });
    try {
      expect(await query(restarted.url, 'SELECT id FROM kept ORDER BY id')).toEqual([{ id: 7 }, { id: 8 }]);
    } finally {
      await restarted.stop();
    }
  });

  it('refuses a datadir served by another live process, and takes over once that process died', async () => {
    const script = join(dataDir, 'hold-server.mjs');
    await writeFile(
      script,
      `const { startMariaDb } = await import(${JSON.stringify(new URL('../../../../infra/local/mariadb.ts', import.meta.url).href)});
       await startMariaDb({ dataDir: ${JSON.stringify(dataDir)} });
       console.log('ready');
       setInterval(() => {}, 1000);`,
    );
    const holder = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await once(holder.stdout, 'data');
      await expect(startMariaDb({ dataDir })).rejects.toThrow(/is in use by a running mariadbd/);
    } finally {
      // The holder dies without stopping its server, as a crashed `npm start` would.
      holder.kill('SIGKILL');
      await once(holder, 'exit');
    }
    const successor = await startMariaDb({ dataDir });
    try {
      expect(await query(successor.url, 'SELECT COUNT(*) AS n FROM kept')).toEqual([{ n: 2 }]);
    } finally {
      await successor.stop();
    }
  });
});

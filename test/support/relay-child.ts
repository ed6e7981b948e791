import { appendFileSync } from 'node:fs';
import { runOutboxRelay } from '#functions/outbox-relay/relay.ts';
import { createPool } from '#shared/db/pool.ts';
import { noopMetrics } from '#shared/metrics/metrics.ts';
import type { EventStream } from '#shared/stream/event-stream.ts';
import { MySqlEventStream } from '#shared/stream/mysql-stream.ts';
import { eventIdOf } from './relay-streams.ts';

/**
 * A relay that dies between publishing and marking: `node test/support/relay-child.ts` runs the
 * real relay on the real MariaDB stream, and right after its KILL_AFTER_PUT-th put resolves (the
 * stream has stored and acknowledged the records) it writes that put's event ids to RELAY_PUT_LOG
 * and SIGKILLs its own process, before the relay can mark the rows published.
 *
 * Env: MYSQL_URL, STREAM_NAME, STREAM_PARTITIONS, KILL_AFTER_PUT, RELAY_BATCH_SIZE, RELAY_PUT_LOG.
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const killAfterPut = Number(env('KILL_AFTER_PUT'));
const putLog = env('RELAY_PUT_LOG');
const pool = createPool(env('MYSQL_URL'), { connectionLimit: 3 });
const real = new MySqlEventStream({
  pool,
  name: env('STREAM_NAME'),
  partitions: Number(env('STREAM_PARTITIONS')),
});
let puts = 0;
const dying: EventStream = {
  name: real.name,
  openGroupReader: (group, instance) => real.openGroupReader(group, instance),
  async put(records) {
    const outcomes = await real.put(records);
    puts += 1;
    appendFileSync(putLog, `${JSON.stringify({ put: puts, ids: records.map(eventIdOf) })}\n`);
    if (puts === killAfterPut) process.kill(process.pid, 'SIGKILL');
    return outcomes;
  },
};

const summary = await runOutboxRelay(
  { pool, stream: dying, metrics: noopMetrics },
  {
    runSeconds: 60,
    idlePollMs: 0,
    batchSize: Number(env('RELAY_BATCH_SIZE')),
    backoffMs: 50,
    maxBackoffMs: 500,
  },
);
// Reaching here means the kill point was never reached (too few events): the test says so.
console.log(JSON.stringify({ finished: summary }));
await pool.end();

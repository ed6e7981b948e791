import { z } from 'zod';
import { QUEUE_SPECS, type QueueName } from '#events/queues.ts';
import { lazyOnce } from '../base/lazy.ts';
import { configFields } from '../config/config.ts';
import type { DbPool } from '../db/pool.ts';
import { ConfigError } from '../errors.ts';
import { resourcePrincipal } from '../runtime/resource-principal.ts';
import { MySqlWorkQueue } from './mysql-queue.ts';
import type { QueueMessage, ReceiveOptions, WorkQueue } from './work-queue.ts';

/**
 * Which work-queue adapter a function talks to: the MySQL-backed queue (local cloud, tests) or
 * OCI Queue. A function composes `workQueueConfig` with one `queueIdConfig(name)` per queue it
 * uses; the OCID is only read when QUEUE_BACKEND is `oci`.
 */
export const workQueueConfig = {
  QUEUE_BACKEND: z.enum(['mysql', 'oci']).default('mysql'),
  /** The queues' `messagesEndpoint` (one per region and cell), e.g. https://cell-1.queue.messaging.<region>.oci.oraclecloud.com */
  QUEUE_MESSAGES_ENDPOINT: configFields.url.optional(),
};

/** `settlement` → `{ SETTLEMENT_QUEUE_ID }`: the OCID of that queue in production. */
export function queueIdConfig<Name extends string>(name: Name) {
  return { [queueIdVariable(name)]: z.string().min(1).optional() } as Record<
    `${Uppercase<Name>}_QUEUE_ID`,
    z.ZodOptional<z.ZodString>
  >;
}

export type WorkQueueConfig = {
  readonly QUEUE_BACKEND: 'mysql' | 'oci';
  readonly QUEUE_MESSAGES_ENDPOINT?: string | undefined;
} & Readonly<Record<string, unknown>>;

/**
 * The named work queue; `pool` backs the MySQL adapter (the function's own pool, no second one),
 * and a function that needs no database on OCI Queue may pass none.
 * `maxDeliveries` only matters locally (by default the queue's dead-letter count in
 * events/queues.ts): on OCI the dead-letter count is a property of the queue.
 */
export function workQueueFromConfig(
  config: WorkQueueConfig,
  name: QueueName,
  pool: DbPool | undefined,
  options: { maxDeliveries?: number } = {},
): WorkQueue {
  if (config.QUEUE_BACKEND === 'mysql') {
    if (!pool) throw new ConfigError('QUEUE_BACKEND=mysql needs MYSQL_URL', ['MYSQL_URL']);
    return new MySqlWorkQueue({
      pool,
      name,
      maxDeliveries: options.maxDeliveries ?? QUEUE_SPECS[name].deadLetterDeliveryCount,
    });
  }
  const variable = queueIdVariable(name);
  const queueId = config[variable];
  if (typeof queueId !== 'string' || queueId === '' || !config.QUEUE_MESSAGES_ENDPOINT) {
    throw new ConfigError(`QUEUE_BACKEND=oci needs ${variable} and QUEUE_MESSAGES_ENDPOINT`, [
      variable,
      'QUEUE_MESSAGES_ENDPOINT',
    ]);
  }
  return lazyOciQueue(name, queueId, config.QUEUE_MESSAGES_ENDPOINT);
}

function queueIdVariable(name: string): string {
  return `${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_QUEUE_ID`;
}

/** Resource principals and oci-queue load on first use, outside the cold start. */
function lazyOciQueue(name: string, queueId: string, messagesEndpoint: string): WorkQueue {
  const get = lazyOnce<WorkQueue>(async () => {
    const { OciWorkQueue } = await import('./oci-queue.ts');
    const authenticationDetailsProvider = await resourcePrincipal();
    return new OciWorkQueue({ queueId, messagesEndpoint, authenticationDetailsProvider, name });
  });
  return {
    name,
    put: async (contents: readonly string[]) => (await get()).put(contents),
    receive: async (options: ReceiveOptions): Promise<readonly QueueMessage[]> =>
      (await get()).receive(options),
    delete: async (receipt: string) => (await get()).delete(receipt),
    extendVisibility: async (receipt: string, seconds: number) =>
      (await get()).extendVisibility(receipt, seconds),
    deadLetters: async (limit?: number) => (await get()).deadLetters(limit),
    stats: async () => (await get()).stats(),
  };
}

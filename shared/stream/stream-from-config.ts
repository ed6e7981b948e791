import { z } from 'zod';
import { lazyOnce } from '#shared/base/lazy.ts';
import { configFields } from '#shared/config/config.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { ConfigError } from '#shared/errors.ts';
import { resourcePrincipal } from '#shared/runtime/resource-principal.ts';
import type { EventStream, GroupReader, StreamRecord } from './event-stream.ts';
import { MySqlEventStream } from './mysql-stream.ts';

/**
 * Which event stream a function talks to: the MariaDB-backed stream (local cloud, tests) or OCI
 * Streaming. A producer or consumer composes `eventStreamConfig` into its own config shape; the
 * OCID and messages endpoint are only read when STREAM_BACKEND is `oci`.
 */
export const eventStreamConfig = {
  STREAM_BACKEND: z.enum(['mysql', 'oci']).default('mysql'),
  STREAM_NAME: z.string().min(1).max(128).default('domain-events'),
  /** Partitions of the local stream (on OCI the stream's own partition count applies). */
  STREAM_PARTITIONS: configFields.positiveInt.max(50).default(4),
  /** The stream's OCID (production). */
  STREAM_ID: z.string().min(1).optional(),
  /** The stream's `messagesEndpoint`, e.g. https://cell-1.streaming.<region>.oci.oraclecloud.com */
  STREAM_MESSAGES_ENDPOINT: configFields.url.optional(),
};

export type EventStreamConfig = {
  readonly STREAM_BACKEND: 'mysql' | 'oci';
  readonly STREAM_NAME: string;
  readonly STREAM_PARTITIONS: number;
  readonly STREAM_ID?: string | undefined;
  readonly STREAM_MESSAGES_ENDPOINT?: string | undefined;
};

/**
 * The configured event stream. `pool` backs the local stream (the function's own pool, no second
 * one); a function on OCI Streaming that needs no database may pass none.
 */
export function eventStreamFromConfig(config: EventStreamConfig, pool: DbPool | undefined): EventStream {
  if (config.STREAM_BACKEND === 'mysql') {
    if (!pool) throw new ConfigError('STREAM_BACKEND=mysql needs MYSQL_URL', ['MYSQL_URL']);
    return new MySqlEventStream({ pool, name: config.STREAM_NAME, partitions: config.STREAM_PARTITIONS });
  }
  if (!config.STREAM_ID || !config.STREAM_MESSAGES_ENDPOINT) {
    throw new ConfigError('STREAM_BACKEND=oci needs STREAM_ID and STREAM_MESSAGES_ENDPOINT', [
      'STREAM_ID',
      'STREAM_MESSAGES_ENDPOINT',
    ]);
  }
  return lazyOciStream(config.STREAM_NAME, config.STREAM_ID, config.STREAM_MESSAGES_ENDPOINT);
}

/** Resource principals and oci-streaming load on first use, outside the cold start. */
function lazyOciStream(name: string, streamId: string, messagesEndpoint: string): EventStream {
  const get = lazyOnce<EventStream>(async () => {
    const { OciEventStream } = await import('./oci-stream.ts');
    const authenticationDetailsProvider = await resourcePrincipal();
    return new OciEventStream({ streamId, messagesEndpoint, authenticationDetailsProvider, name });
  });
  return {
    name,
    put: async (records: readonly StreamRecord[]) => (await get()).put(records),
    openGroupReader: async (group: string, instance: string): Promise<GroupReader> =>
      (await get()).openGroupReader(group, instance),
  };
}

import type { AuthenticationDetailsProvider } from 'oci-common';
import type { StreamClient } from 'oci-streaming';
import { commonJsExports } from '#shared/base/commonjs.ts';
import { lazyOnce } from '#shared/base/lazy.ts';
import {
  type EventStream,
  type GroupReader,
  type GroupReadOptions,
  type PutOutcome,
  STREAM_LIMITS,
  type StreamMessage,
  type StreamRecord,
  StreamUnavailableError,
} from './event-stream.ts';
import { GroupReaderClosedError, putMessageShare, refusalOf, sleep } from './stream-records.ts';

/**
 * The event stream port on OCI Streaming through its native REST API (`oci-streaming`), signed
 * with the given provider (resource principals in Functions). The client talks to the stream's
 * own `messagesEndpoint`, not the regional admin endpoint. Keys and values travel base64 encoded;
 * OCI hashes the key to pick the partition and answers every message of a put on its own.
 */
export interface OciEventStreamOptions {
  /** The stream's OCID. */
  readonly streamId: string;
  /** The stream's `messagesEndpoint`, e.g. https://cell-1.streaming.<region>.oci.oraclecloud.com */
  readonly messagesEndpoint: string;
  readonly authenticationDetailsProvider: AuthenticationDetailsProvider;
  /** Name for logs and metrics; defaults to the stream OCID. */
  readonly name?: string;
  /**
   * How long OCI keeps an instance's partitions reserved without hearing from it (OCI's default
   * is 30 s). A reader that stops polling loses its partitions to the group's other instances.
   */
  readonly groupInstanceTimeoutMs?: number;
}

/** Per-message error codes OCI answers for a partition that is busy or briefly failing. */
const RETRYABLE_ENTRY_ERROR = /throttl|toomanyrequests|internal|unavailable|timeout/i;
const DEFAULT_INSTANCE_TIMEOUT_MS = 30_000;
/** OCI allows 5 GetMessages per second per partition and group: poll gently while waiting. */
const POLL_INITIAL_MS = 100;
const POLL_MAX_MS = 1_000;
/** Reads may be retried by the SDK (a GET or a commit repeats harmlessly); puts never are. */
const READ_ATTEMPTS = 3;

export class OciEventStream implements EventStream {
  readonly name: string;
  readonly #options: OciEventStreamOptions;

  constructor(options: OciEventStreamOptions) {
    this.#options = options;
    this.name = options.name ?? options.streamId;
  }

  /**
   * Puts the records in requests of at most 1 MB (OCI's PutMessages limit). A request that fails
   * as a whole throws StreamUnavailableError when it is the first; when earlier requests were
   * stored, the records of the failed and later requests come back as retryable refusals instead,
   * so the caller learns exactly which records are stored.
   */
  async put(records: readonly StreamRecord[]): Promise<readonly PutOutcome[]> {
    const outcomes: (PutOutcome | undefined)[] = records.map(refusalOf);
    const sendable = records.flatMap((_record, index) => (outcomes[index] === undefined ? [index] : []));
    const client = sendable.length > 0 ? await this.#streamClient() : undefined;
    let stored = false;
    for (const chunk of chunksWithin(sendable, records, STREAM_LIMITS.maxPutBytes)) {
      if (client === undefined) break;
      try {
        const answers = await this.#putIsolating(client, chunk, records);
        chunk.forEach((index, position) => {
          outcomes[index] = answers[position];
        });
        stored = true;
      } catch (err) {
        if (!stored || !(err instanceof StreamUnavailableError)) throw err;
        const unsent = sendable.slice(sendable.indexOf(chunk[0] as number));
        for (const index of unsent) {
          outcomes[index] = {
            ok: false,
            retryable: true,
            code: err.status === undefined ? 'RequestFailed' : `Http${err.status}`,
            message: err.message,
          };
        }
        break;
      }
    }
    return outcomes as PutOutcome[];
  }

  /**
   * Puts one chunk. A request OCI refuses as malformed (a 4xx other than 401, 408 and 429) would
   * be refused again however often it is sent, and it names no message: the chunk is put again in
   * halves until the refused record stands alone, and that record alone is refused for good (the
   * relay dead-letters it) while the others are stored. Throttling, timeouts and 5xx still fail
   * the whole request, to be put again later.
   */
  async #putIsolating(
    client: StreamClient,
    chunk: readonly number[],
    records: readonly StreamRecord[],
  ): Promise<PutOutcome[]> {
    try {
      return await this.#putChunk(
        client,
        chunk.map((index) => records[index] as StreamRecord),
      );
    } catch (err) {
      if (!(err instanceof StreamUnavailableError) || !isRequestRefusal(err.status)) throw err;
      if (chunk.length === 1) {
        return [{ ok: false, retryable: false, code: `Http${err.status}`, message: err.message }];
      }
      const half = Math.ceil(chunk.length / 2);
      return [
        ...(await this.#putIsolating(client, chunk.slice(0, half), records)),
        ...(await this.#putIsolating(client, chunk.slice(half), records)),
      ];
    }
  }

  async openGroupReader(group: string, instance: string): Promise<GroupReader> {
    const client = await this.#streamClient();
    const { CreateGroupCursorDetails } = commonJsExports(await import('oci-streaming')).models;
    const response = await callOci('createGroupCursor', () =>
      client.createGroupCursor({
        streamId: this.#options.streamId,
        createGroupCursorDetails: {
          groupName: group,
          instanceName: instance,
          // Where a group that has never committed starts; a known group resumes after its commits.
          type: CreateGroupCursorDetails.Type.TrimHorizon,
          // Commits are explicit, after the consumer has handled what it read (at least once).
          commitOnGet: false,
          timeoutInMs: this.#options.groupInstanceTimeoutMs ?? DEFAULT_INSTANCE_TIMEOUT_MS,
        },
      }),
    );
    return new OciGroupReader(client, this.#options.streamId, response.cursor.value);
  }

  async #putChunk(client: StreamClient, records: readonly StreamRecord[]): Promise<PutOutcome[]> {
    const common = commonJsExports(await import('oci-common'));
    const response = await callOci('putMessages', () =>
      client.putMessages({
        streamId: this.#options.streamId,
        putMessagesDetails: {
          messages: records.map((record) => ({
            key: Buffer.from(record.key, 'utf8').toString('base64'),
            value: record.value.toString('base64'),
          })),
        },
        // The caller decides when to put again (the relay backs off and keeps per-key order).
        retryConfiguration: { terminationStrategy: new common.MaxAttemptsTerminationStrategy(1) },
      }),
    );
    const entries = response.putMessagesResult.entries;
    if (entries.length !== records.length) {
      throw new StreamUnavailableError(
        `OCI Streaming answered ${entries.length} results for ${records.length} messages`,
      );
    }
    return entries.map((entry): PutOutcome => {
      if (entry.error) {
        return {
          ok: false,
          retryable: RETRYABLE_ENTRY_ERROR.test(entry.error),
          code: entry.error,
          message: entry.errorMessage ?? entry.error,
        };
      }
      return { ok: true, partition: String(entry.partition), offset: String(entry.offset) };
    });
  }

  /**
   * `oci-streaming` is imported on first use, keeping it off the function's cold-start path; a
   * failed import is tried again at the next call rather than remembered (lazyOnce).
   */
  readonly #streamClient = lazyOnce(async (): Promise<StreamClient> => {
    const [streaming, common] = await Promise.all([import('oci-streaming'), import('oci-common')]);
    const { StreamClient } = commonJsExports(streaming);
    const { MaxAttemptsTerminationStrategy } = commonJsExports(common);
    const client = new StreamClient(
      { authenticationDetailsProvider: this.#options.authenticationDetailsProvider },
      { retryConfiguration: { terminationStrategy: new MaxAttemptsTerminationStrategy(READ_ATTEMPTS) } },
    );
    client.endpoint = this.#options.messagesEndpoint.replace(/\/+$/, '');
    return client;
  });
}

/**
 * A group cursor and the cursor each GetMessages hands on (`opc-next-cursor`). Committing the
 * latest cursor commits every message read through it; OCI has no call to leave a group, so
 * `close` only stops using the cursor and OCI frees the partitions when the instance times out.
 */
class OciGroupReader implements GroupReader {
  readonly #client: StreamClient;
  readonly #streamId: string;
  #cursor: string;
  #uncommitted = false;
  #closed = false;

  constructor(client: StreamClient, streamId: string, cursor: string) {
    this.#client = client;
    this.#streamId = streamId;
    this.#cursor = cursor;
  }

  async next(options: GroupReadOptions): Promise<readonly StreamMessage[]> {
    if (this.#closed) throw new GroupReaderClosedError('This group reader has left its group');
    if (!Number.isInteger(options.limit) || options.limit < 1 || options.limit > STREAM_LIMITS.maxReadLimit) {
      throw new RangeError(`limit must be an integer from 1 to ${STREAM_LIMITS.maxReadLimit}`);
    }
    const deadline = Date.now() + Math.max(0, options.waitMs ?? 0);
    let pause = POLL_INITIAL_MS;
    for (;;) {
      const response = await callOci('getMessages', () =>
        this.#client.getMessages({
          streamId: this.#streamId,
          cursor: queryValue(this.#cursor),
          limit: options.limit,
        }),
      );
      this.#cursor = response.opcNextCursor;
      const messages = response.items.map(
        (item): StreamMessage => ({
          partition: String(item.partition),
          offset: String(item.offset),
          key: item.key ? Buffer.from(item.key, 'base64').toString('utf8') : '',
          value: Buffer.from(item.value, 'base64'),
          // The SDK leaves timestamps as the JSON strings it received, despite the Date typing.
          timestamp: new Date(item.timestamp),
        }),
      );
      if (messages.length > 0) this.#uncommitted = true;
      const remaining = deadline - Date.now();
      if (messages.length > 0 || remaining <= 0) return messages;
      await sleep(Math.min(pause, remaining));
      pause = Math.min(pause * 2, POLL_MAX_MS);
    }
  }

  async commit(): Promise<void> {
    if (this.#closed) throw new GroupReaderClosedError('This group reader has left its group');
    if (!this.#uncommitted) return;
    const response = await callOci('consumerCommit', () =>
      this.#client.consumerCommit({ streamId: this.#streamId, cursor: queryValue(this.#cursor) }),
    );
    this.#cursor = response.cursor.value;
    this.#uncommitted = false;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** The request itself is refused: sending it again changes nothing (unlike 401, 408, 429 and 5xx). */
function isRequestRefusal(status: number | undefined): boolean {
  return status !== undefined && status >= 400 && status < 500 && ![401, 408, 429].includes(status);
}

/** A failed request (network, 4xx, 5xx, 429) becomes StreamUnavailableError with its status. */
async function callOci<T>(operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    const status = (err as { statusCode?: unknown }).statusCode;
    throw new StreamUnavailableError(
      `OCI Streaming ${operation} failed${typeof status === 'number' ? ` (${status})` : ''}`,
      { ...(typeof status === 'number' && status > 0 ? { status } : {}), cause: err },
    );
  }
}

/**
 * A cursor as a query parameter. The SDK writes query values into the URL unencoded, and a cursor
 * is base64 (`+`, `/`, `=`): a server decoding the query as a form would read `+` as a space.
 */
function queryValue(cursor: string): string {
  return encodeURIComponent(cursor);
}

/**
 * Indexes of `records` in order, split so that no chunk's messages, as sent (base64 key and value
 * in JSON), together pass `maxBytes`. OCI's 1 MB applies to the request; counting the encoded form
 * keeps a full chunk within it whichever way the service counts. A record too big for a chunk of
 * its own is sent alone, and refused alone if the service will not take it.
 */
function chunksWithin(
  indexes: readonly number[],
  records: readonly StreamRecord[],
  maxBytes: number,
): number[][] {
  const chunks: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const index of indexes) {
    const record = records[index] as StreamRecord;
    const size = putMessageShare(record);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(index);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

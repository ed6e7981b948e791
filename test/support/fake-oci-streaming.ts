import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { STREAM_LIMITS } from '#shared/stream/event-stream.ts';
import { partitionOfKey } from '#shared/stream/stream-records.ts';
import {
  HttpError,
  type OciSigningOptions,
  opcRequestId,
  parseJson,
  sendJson,
  startOciFakeServer,
} from './oci-fake-http.ts';

/**
 * A local OCI Streaming messages endpoint (API 20180418) speaking the wire format the
 * `oci-streaming` StreamClient sends (checked against node_modules/oci-streaming/lib/client.js):
 *
 *   POST /20180418/streams/{streamId}/messages       {messages:[{key?, value}]} (base64)
 *                                                    -> {failures, entries:[{partition, offset, timestamp} | {error, errorMessage}]}
 *   POST /20180418/streams/{streamId}/groupCursors   {type, groupName, instanceName?, timeoutInMs?, commitOnGet?} -> {value}
 *   GET  /20180418/streams/{streamId}/messages?cursor&limit
 *                                                    -> [{stream, partition, key, value, offset, timestamp}], opc-next-cursor
 *   POST /20180418/streams/{streamId}/commit?cursor  -> {value}
 *   POST /20180418/streams/{streamId}/heartbeat?cursor -> {value}
 *
 * Every request must carry a valid OCI HTTP signature. Keys and values must be valid base64 and
 * within OCI's limits (a request breaking them is refused whole with 400, as the service does).
 * Group instances split the partitions by their sorted names; an instance not heard from for
 * its timeoutInMs loses them. Cursors are opaque, reusable tokens naming a position per partition.
 * Faults to inject: a throttled request (429), per-message errors in the next put's result, and
 * a request refused whole (400) while it carries a given value, as the service refuses a message
 * it will not take without naming it.
 */
export type FakeOciStreamingOptions = OciSigningOptions;

export interface FakeOciStreaming {
  /** Base URL to use as the stream's messagesEndpoint (without the API version). */
  readonly endpoint: string;
  createStream(streamId: string, settings?: { partitions?: number }): void;
  /** `count` requests (any operation), after the next `skip`, are answered 429 TooManyRequests. */
  throttleNextRequests(count: number, skip?: number): void;
  /** The next put answers these per-message errors, by index in its messages. */
  failNextPutMessages(errors: Readonly<Record<number, { error: string; errorMessage: string }>>): void;
  /** Every put carrying a value equal to `value` is refused whole with 400 InvalidParameter. */
  refusePutsCarrying(value: Buffer): void;
  /** Requests refused for a bad or missing signature, for assertions. */
  readonly rejectedRequests: number;
  /** Requests served per operation, for assertions (e.g. that a put was not retried). */
  readonly calls: Readonly<Record<string, number>>;
  close(): Promise<void>;
}

interface StoredMessage {
  readonly key: string | null;
  readonly value: string;
  readonly offset: number;
  readonly timestamp: string;
}

interface Group {
  /** Partition → next offset to read (absent: from the oldest message). */
  readonly committed: Map<number, number>;
  /** Instance → when its reservation lapses (ms epoch). */
  readonly instances: Map<string, { until: number; timeoutMs: number }>;
}

interface CursorState {
  readonly streamId: string;
  readonly group: string;
  readonly instance: string;
  readonly commitOnGet: boolean;
  /** Partition → next offset this cursor reads. */
  readonly positions: ReadonlyMap<number, number>;
}

interface FakeStream {
  readonly partitions: StoredMessage[][];
  readonly groups: Map<string, Group>;
}

const API_PREFIX = '/20180418/streams/';
/** Base64 makes a 1 MB request about 1.4 MB on the wire. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const DEFAULT_INSTANCE_TIMEOUT_MS = 30_000;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export async function startFakeOciStreaming(options: FakeOciStreamingOptions): Promise<FakeOciStreaming> {
  const streams = new Map<string, FakeStream>();
  const cursors = new Map<string, CursorState>();
  const calls: Record<string, number> = {};
  let throttled = 0;
  let throttleSkip = 0;
  let putErrors: Readonly<Record<number, { error: string; errorMessage: string }>> = {};
  const refusedValues: Buffer[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (!url.pathname.startsWith(API_PREFIX)) throw new HttpError(404, 'NotFound', 'Unknown path');
    const [streamSegment = '', resource, ...rest] = url.pathname.slice(API_PREFIX.length).split('/');
    const streamId = decodeURIComponent(streamSegment);
    const stream = streams.get(streamId);
    if (stream === undefined || rest.length > 0)
      throw new HttpError(404, 'NotAuthorizedOrNotFound', 'Stream not found');
    const operation = `${request.method ?? 'GET'} ${resource}`;
    calls[operation] = (calls[operation] ?? 0) + 1;
    if (throttled > 0 && throttleSkip > 0) {
      throttleSkip -= 1;
    } else if (throttled > 0) {
      throttled -= 1;
      throw new HttpError(429, 'TooManyRequests', 'Too many requests for the stream');
    }
    switch (operation) {
      case 'POST messages':
        return sendJson(response, 200, put(stream, parseJson(body)));
      case 'POST groupCursors':
        return sendJson(response, 200, { value: createGroupCursor(streamId, stream, parseJson(body)) });
      case 'GET messages':
        return getMessages(response, streamId, stream, url.searchParams);
      case 'POST commit':
        return sendJson(response, 200, { value: commit(streamId, stream, url.searchParams) });
      case 'POST heartbeat':
        return sendJson(response, 200, { value: heartbeat(streamId, stream, url.searchParams) });
      default:
        throw new HttpError(405, 'MethodNotAllowed', `${operation} is not served here`);
    }
  }

  function put(stream: FakeStream, details: Record<string, unknown>) {
    const messages = details.messages;
    if (!Array.isArray(messages) || messages.length === 0) {
      throw new HttpError(400, 'InvalidParameter', 'messages must hold at least one entry');
    }
    let requestBytes = 0;
    const decoded = messages.map((entry: unknown, index) => {
      const { key, value } = (entry ?? {}) as { key?: unknown; value?: unknown };
      const keyBytes = key === undefined || key === null ? null : base64Field(key, `messages[${index}].key`);
      const valueBytes = base64Field(value, `messages[${index}].value`);
      if (keyBytes !== null && keyBytes.length > STREAM_LIMITS.maxKeyBytes) {
        throw new HttpError(
          400,
          'InvalidParameter',
          `messages[${index}].key is over ${STREAM_LIMITS.maxKeyBytes} bytes`,
        );
      }
      if (valueBytes.length > STREAM_LIMITS.maxValueBytes) {
        throw new HttpError(400, 'InvalidParameter', `messages[${index}].value is over 1 MB`);
      }
      requestBytes += valueBytes.length;
      return { key: keyBytes, value: value as string, keyText: typeof key === 'string' ? key : null };
    });
    if (requestBytes > STREAM_LIMITS.maxPutBytes) {
      throw new HttpError(400, 'InvalidParameter', 'The messages of one request are over 1 MB');
    }
    if (
      decoded.some((message) => refusedValues.some((refused) => refused.toString('base64') === message.value))
    ) {
      throw new HttpError(400, 'InvalidParameter', 'A message of the request is not acceptable');
    }
    const errors = putErrors;
    putErrors = {};
    const timestamp = new Date().toISOString();
    const entries = decoded.map((message, index) => {
      const failure = errors[index];
      if (failure) return { error: failure.error, errorMessage: failure.errorMessage };
      // OCI places a keyless message anywhere; the fake keeps it in partition 0.
      const partition =
        message.key === null ? 0 : partitionOfKey(message.key.toString('utf8'), stream.partitions.length);
      const log = stream.partitions[partition] as StoredMessage[];
      const stored: StoredMessage = {
        key: message.keyText,
        value: message.value,
        offset: log.length,
        timestamp,
      };
      log.push(stored);
      return { partition: String(partition), offset: stored.offset, timestamp };
    });
    return { failures: entries.filter((entry) => 'error' in entry).length, entries };
  }

  function createGroupCursor(streamId: string, stream: FakeStream, details: Record<string, unknown>): string {
    const { type, groupName, instanceName, timeoutInMs, commitOnGet } = details;
    if (type !== 'TRIM_HORIZON' && type !== 'LATEST' && type !== 'AT_TIME') {
      throw new HttpError(400, 'InvalidParameter', 'type must be TRIM_HORIZON, LATEST or AT_TIME');
    }
    if (type !== 'TRIM_HORIZON')
      throw new HttpError(400, 'InvalidParameter', 'The fake serves TRIM_HORIZON only');
    if (typeof groupName !== 'string' || groupName.length === 0) {
      throw new HttpError(400, 'InvalidParameter', 'groupName is required');
    }
    const instance =
      typeof instanceName === 'string' && instanceName !== '' ? instanceName : randomBytes(8).toString('hex');
    const timeoutMs = timeoutInMs === undefined ? DEFAULT_INSTANCE_TIMEOUT_MS : Number(timeoutInMs);
    if (!Number.isInteger(timeoutMs) || timeoutMs < 1)
      throw new HttpError(400, 'InvalidParameter', 'Bad timeoutInMs');
    let group = stream.groups.get(groupName);
    if (group === undefined) {
      group = { committed: new Map(), instances: new Map() };
      stream.groups.set(groupName, group);
    }
    group.instances.set(instance, { until: Date.now() + timeoutMs, timeoutMs });
    return newCursor({
      streamId,
      group: groupName,
      instance,
      commitOnGet: commitOnGet !== false,
      positions: new Map(),
    });
  }

  async function getMessages(
    response: ServerResponse,
    streamId: string,
    stream: FakeStream,
    query: URLSearchParams,
  ): Promise<void> {
    const state = cursorOf(streamId, query);
    const limit = Number(query.get('limit') ?? STREAM_LIMITS.maxReadLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > STREAM_LIMITS.maxReadLimit) {
      throw new HttpError(400, 'InvalidParameter', 'limit must be 1 to 10000');
    }
    const group = stream.groups.get(state.group) as Group;
    if (state.commitOnGet) commitPositions(group, state.positions);
    renew(group, state.instance);
    const positions = new Map<number, number>();
    for (const partition of assignment(stream, group, state.instance)) {
      positions.set(partition, state.positions.get(partition) ?? group.committed.get(partition) ?? 0);
    }
    const items = [];
    for (const [partition, from] of positions) {
      const log = stream.partitions[partition] as StoredMessage[];
      const taken = log.slice(from, from + (limit - items.length));
      for (const message of taken) {
        items.push({
          stream: streamId,
          partition: String(partition),
          key: message.key,
          value: message.value,
          offset: message.offset,
          timestamp: message.timestamp,
        });
      }
      positions.set(partition, from + taken.length);
      if (items.length >= limit) break;
    }
    const text = JSON.stringify(items);
    response
      .writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
        'opc-request-id': opcRequestId(),
        'opc-next-cursor': newCursor({ ...state, positions }),
      })
      .end(text);
  }

  function commit(streamId: string, stream: FakeStream, query: URLSearchParams): string {
    const state = cursorOf(streamId, query);
    const group = stream.groups.get(state.group) as Group;
    commitPositions(group, state.positions);
    renew(group, state.instance);
    return newCursor(state);
  }

  function heartbeat(streamId: string, stream: FakeStream, query: URLSearchParams): string {
    const state = cursorOf(streamId, query);
    renew(stream.groups.get(state.group) as Group, state.instance);
    return newCursor(state);
  }

  function commitPositions(group: Group, positions: ReadonlyMap<number, number>): void {
    for (const [partition, next] of positions) {
      group.committed.set(partition, Math.max(next, group.committed.get(partition) ?? 0));
    }
  }

  function renew(group: Group, instance: string): void {
    const reservation = group.instances.get(instance);
    const timeoutMs = reservation?.timeoutMs ?? DEFAULT_INSTANCE_TIMEOUT_MS;
    group.instances.set(instance, { until: Date.now() + timeoutMs, timeoutMs });
  }

  /** The partitions `instance` holds: partition p goes to the (p mod n)-th live instance by name. */
  function assignment(stream: FakeStream, group: Group, instance: string): number[] {
    const now = Date.now();
    const live = [...group.instances]
      .filter(([, reservation]) => reservation.until > now)
      .map(([name]) => name);
    live.sort();
    const index = live.indexOf(instance);
    return stream.partitions
      .map((_, partition) => partition)
      .filter((p) => index >= 0 && p % live.length === index);
  }

  function newCursor(state: CursorState): string {
    const value = randomBytes(24).toString('base64');
    cursors.set(value, state);
    return value;
  }

  function cursorOf(streamId: string, query: URLSearchParams): CursorState {
    const state = cursors.get(query.get('cursor') ?? '');
    if (state === undefined || state.streamId !== streamId) {
      throw new HttpError(400, 'InvalidParameter', 'Unknown or expired cursor');
    }
    return state;
  }

  const server = await startOciFakeServer({
    ...options,
    maxBodyBytes: MAX_BODY_BYTES,
    // The SDK signs PutMessages without its body (excludeBody in oci-streaming's client), as
    // OCI Streaming expects for that operation; every other POST signs its body.
    bodyUnsigned: (request) => request.method === 'POST' && /\/messages(?:\?|$)/.test(request.url ?? ''),
    handle,
  });
  return {
    endpoint: server.endpoint,
    createStream(streamId, settings = {}) {
      const partitions = settings.partitions ?? 1;
      streams.set(streamId, { partitions: Array.from({ length: partitions }, () => []), groups: new Map() });
    },
    throttleNextRequests(count, skip = 0) {
      throttled = count;
      throttleSkip = skip;
    },
    failNextPutMessages(errors) {
      putErrors = errors;
    },
    refusePutsCarrying(value) {
      refusedValues.push(Buffer.from(value));
    },
    get rejectedRequests() {
      return server.rejectedRequests;
    },
    get calls() {
      return { ...calls };
    },
    close: () => server.close(),
  };
}

/** A base64 field's bytes, or 400: OCI refuses keys and values that are not base64. */
function base64Field(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || !BASE64.test(value)) {
    throw new HttpError(400, 'InvalidParameter', `${name} must be base64`);
  }
  return Buffer.from(value, 'base64');
}

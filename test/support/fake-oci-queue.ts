import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HttpError,
  type OciSigningOptions,
  opcRequestId,
  parseJson,
  sendJson,
  startOciFakeServer,
} from './oci-fake-http.ts';

/**
 * A local OCI Queue messages endpoint (API 20210201) speaking the wire format that the
 * `oci-queue` client sends (checked against node_modules/oci-queue/lib/client.js):
 *
 *   POST   /20210201/queues/{queueId}/messages                 {messages:[{content}]} -> {messages:[{id,expireAfter}]}
 *   GET    /20210201/queues/{queueId}/messages?visibilityInSeconds&timeoutInSeconds&limit
 *                                                              -> {messages:[{id,content,receipt,deliveryCount,visibleAfter,expireAfter,createdAt}]}
 *   DELETE /20210201/queues/{queueId}/messages/{receipt}       (receipt percent-encoded with encodeURIComponent)
 *   PUT    /20210201/queues/{queueId}/messages/{receipt}       {visibilityInSeconds} -> {id,visibleAfter}
 *   GET    /20210201/queues/{queueId}/stats                    -> {queue:{visibleMessages,inFlightMessages,sizeInBytes},dlq:{...}}
 *
 * Every request must carry a valid OCI HTTP signature (draft-cavage, rsa-sha256) made with
 * the private key registered for its keyId. Receipts are standard base64 (with `+`, `/`, `=`)
 * on purpose, so the client's path encoding is exercised.
 */
export interface FakeQueueSettings {
  /** Deliveries before a message moves to the DLQ (OCI deadLetterQueueDeliveryCount). */
  readonly deadLetterQueueDeliveryCount?: number;
  readonly retentionInSeconds?: number;
  /** Defaults used when a GET omits them, as OCI does with the queue's settings. */
  readonly visibilityInSeconds?: number;
  readonly timeoutInSeconds?: number;
}

export type FakeOciQueueOptions = OciSigningOptions;

export interface FakeOciQueue {
  /** Base URL to use as the queue's messagesEndpoint (without the API version). */
  readonly endpoint: string;
  createQueue(queueId: string, settings?: FakeQueueSettings): void;
  /** Requests refused for a bad or missing signature, for assertions. */
  readonly rejectedRequests: number;
  close(): Promise<void>;
}

interface StoredMessage {
  readonly id: number;
  readonly content: string;
  readonly createdAt: number;
  readonly expireAfter: number;
  receipt: string | undefined;
  deliveryCount: number;
  visibleAfter: number;
  deadLettered: boolean;
}

interface FakeQueue {
  readonly settings: Required<FakeQueueSettings>;
  readonly messages: Map<number, StoredMessage>;
}

const API_PREFIX = '/20210201/queues/';
const MAX_BODY_BYTES = 2 * 1024 * 1024;
const LONG_POLL_STEP_MS = 20;

export async function startFakeOciQueue(options: FakeOciQueueOptions): Promise<FakeOciQueue> {
  const queues = new Map<string, FakeQueue>();
  let nextId = 1;

  async function handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const rawUrl = request.url ?? '/';
    const url = new URL(rawUrl, 'http://fake');
    if (!url.pathname.startsWith(API_PREFIX)) throw new HttpError(404, 'NotFound', 'Unknown path');
    const [queueSegment = '', resource, receiptSegment, ...rest] = url.pathname
      .slice(API_PREFIX.length)
      .split('/');
    const queue = queues.get(decodeURIComponent(queueSegment));
    if (queue === undefined || rest.length > 0) throw new HttpError(404, 'NotFound', 'Queue not found');
    const method = request.method ?? 'GET';

    if (resource === 'stats' && receiptSegment === undefined && method === 'GET') {
      return sendJson(response, 200, stats(queue));
    }
    if (resource !== 'messages') throw new HttpError(404, 'NotFound', 'Unknown resource');
    if (receiptSegment === undefined) {
      if (method === 'POST') return sendJson(response, 200, put(queue, parseJson(body)));
      if (method === 'GET') return sendJson(response, 200, await get(queue, url.searchParams));
    } else {
      const message = findByReceipt(queue, decodeURIComponent(receiptSegment));
      if (method === 'DELETE') {
        queue.messages.delete(message.id);
        response.writeHead(200, { 'opc-request-id': opcRequestId() }).end();
        return;
      }
      if (method === 'PUT') {
        const visibility = integerIn(parseJson(body).visibilityInSeconds, 0, 43_200, 'visibilityInSeconds');
        message.visibleAfter = Date.now() + visibility * 1000;
        return sendJson(response, 200, { id: message.id, visibleAfter: iso(message.visibleAfter) });
      }
    }
    throw new HttpError(405, 'MethodNotAllowed', `${method} is not allowed here`);
  }

  function put(queue: FakeQueue, details: Record<string, unknown>) {
    const entries = details.messages;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 20) {
      throw new HttpError(400, 'InvalidParameter', 'messages must hold 1 to 20 entries');
    }
    const now = Date.now();
    const created = entries.map((entry: unknown) => {
      const content = (entry as { content?: unknown } | null)?.content;
      if (typeof content !== 'string' || content.length === 0) {
        throw new HttpError(400, 'InvalidParameter', 'Each message needs a non-empty content');
      }
      return content;
    });
    return {
      messages: created.map((content) => {
        const message: StoredMessage = {
          id: nextId++,
          content,
          createdAt: now,
          expireAfter: now + queue.settings.retentionInSeconds * 1000,
          receipt: undefined,
          deliveryCount: 0,
          visibleAfter: now,
          deadLettered: false,
        };
        queue.messages.set(message.id, message);
        return { id: message.id, expireAfter: iso(message.expireAfter) };
      }),
    };
  }

  async function get(queue: FakeQueue, query: URLSearchParams) {
    const visibility = integerIn(
      query.get('visibilityInSeconds') ?? queue.settings.visibilityInSeconds,
      0,
      43_200,
      'visibilityInSeconds',
    );
    const timeout = integerIn(
      query.get('timeoutInSeconds') ?? queue.settings.timeoutInSeconds,
      0,
      30,
      'timeoutInSeconds',
    );
    const limit = integerIn(query.get('limit') ?? 1, 1, 20, 'limit');
    const deadline = Date.now() + timeout * 1000;
    for (;;) {
      const delivered = deliver(queue, visibility, limit);
      if (delivered.length > 0 || Date.now() >= deadline) return { messages: delivered };
      await new Promise((resolve) => setTimeout(resolve, LONG_POLL_STEP_MS));
    }
  }

  function deliver(queue: FakeQueue, visibility: number, limit: number) {
    const now = Date.now();
    const delivered = [];
    for (const message of queue.messages.values()) {
      if (delivered.length >= limit) break;
      if (message.expireAfter <= now) {
        queue.messages.delete(message.id);
        continue;
      }
      if (message.deadLettered || message.visibleAfter > now) continue;
      if (message.deliveryCount >= queue.settings.deadLetterQueueDeliveryCount) {
        message.deadLettered = true;
        message.receipt = undefined;
        continue;
      }
      message.deliveryCount += 1;
      message.visibleAfter = now + visibility * 1000;
      message.receipt = randomBytes(32).toString('base64');
      delivered.push({
        id: message.id,
        content: message.content,
        receipt: message.receipt,
        deliveryCount: message.deliveryCount,
        visibleAfter: iso(message.visibleAfter),
        expireAfter: iso(message.expireAfter),
        createdAt: iso(message.createdAt),
      });
    }
    return delivered;
  }

  function findByReceipt(queue: FakeQueue, receipt: string): StoredMessage {
    for (const message of queue.messages.values()) {
      if (message.receipt === receipt && !message.deadLettered) return message;
    }
    throw new HttpError(404, 'NotFound', 'No message holds this receipt');
  }

  function stats(queue: FakeQueue) {
    const now = Date.now();
    const count = (predicate: (message: StoredMessage) => boolean) => {
      let messages = 0;
      let bytes = 0;
      for (const message of queue.messages.values()) {
        if (message.expireAfter > now && predicate(message)) {
          messages += 1;
          bytes += Buffer.byteLength(message.content);
        }
      }
      return { messages, bytes };
    };
    const visible = count((message) => !message.deadLettered && message.visibleAfter <= now);
    const inFlight = count((message) => !message.deadLettered && message.visibleAfter > now);
    const dead = count((message) => message.deadLettered);
    return {
      queue: {
        visibleMessages: visible.messages,
        inFlightMessages: inFlight.messages,
        sizeInBytes: visible.bytes + inFlight.bytes,
      },
      dlq: { visibleMessages: dead.messages, inFlightMessages: 0, sizeInBytes: dead.bytes },
    };
  }

  const server = await startOciFakeServer({ ...options, maxBodyBytes: MAX_BODY_BYTES, handle });

  return {
    endpoint: server.endpoint,
    createQueue(queueId, settings = {}) {
      queues.set(queueId, {
        messages: new Map(),
        settings: {
          deadLetterQueueDeliveryCount: settings.deadLetterQueueDeliveryCount ?? 5,
          retentionInSeconds: settings.retentionInSeconds ?? 86_400,
          visibilityInSeconds: settings.visibilityInSeconds ?? 30,
          timeoutInSeconds: settings.timeoutInSeconds ?? 30,
        },
      });
    },
    get rejectedRequests() {
      return server.rejectedRequests;
    },
    close: () => server.close(),
  };
}

function integerIn(raw: unknown, min: number, max: number, name: string): number {
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, 'InvalidParameter', `${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

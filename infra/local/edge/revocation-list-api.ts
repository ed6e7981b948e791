import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readBoundedText } from '../bounded-body.ts';

/** Fastly's dictionary item paths: bulk update (`PATCH …/items`) and listing (`GET …/items`). */
export const DICTIONARY_ITEMS_PATH = /^\/service\/([^/]+)\/dictionary\/([^/]+)\/items$/;

/** The local edge's revocation dictionary id, as FASTLY_REVOCATION_DICTIONARY_ID names it. */
export const LOCAL_REVOCATION_DICTIONARY_ID = 'forgecastLocalRevoked';

/** Fastly's limits: 1000 items per bulk request, keys up to 256 characters, values up to 8000. */
const MAX_ITEMS_PER_REQUEST = 1000;
const MAX_KEY_LENGTH = 256;
const MAX_VALUE_LENGTH = 8000;
const MAX_BODY_BYTES = 1024 * 1024;
/** A Fastly dictionary holds 1000 items unless Fastly raises the limit; the local one as many. */
export const DEFAULT_MAX_DICTIONARY_ITEMS = 1000;

/** An edge dictionary: what the VCL's `table.contains(forgecast_revoked, …)` reads. */
export class EdgeDictionary {
  readonly #items = new Map<string, string>();
  readonly maxItems: number;

  constructor(maxItems = DEFAULT_MAX_DICTIONARY_ITEMS) {
    this.maxItems = maxItems;
  }

  has(key: string): boolean {
    return this.#items.has(key);
  }

  get size(): number {
    return this.#items.size;
  }

  entries(): [string, string][] {
    return [...this.#items.entries()];
  }

  /** Applies a whole batch or nothing, as Fastly does; returns why it refused, if it did. */
  applyBatch(items: readonly BatchItem[]): string | undefined {
    const next = new Map(this.#items);
    for (const item of items) {
      if (item.op === 'delete') next.delete(item.item_key);
      else if (item.op === 'create' && next.has(item.item_key)) return `Duplicate record: ${item.item_key}`;
      else if (item.op === 'update' && !next.has(item.item_key)) return `Record not found: ${item.item_key}`;
      else next.set(item.item_key, item.item_value ?? '');
    }
    if (next.size > this.maxItems) return `Exceeding max dictionary items: ${this.maxItems}`;
    this.#items.clear();
    for (const [key, value] of next) this.#items.set(key, value);
    return undefined;
  }
}

export interface BatchItem {
  readonly op: 'create' | 'update' | 'upsert' | 'delete';
  readonly item_key: string;
  readonly item_value?: string;
}

export interface DictionaryApiOptions {
  readonly serviceId: string;
  readonly dictionaryId: string;
  readonly apiToken: string;
  readonly dictionary: EdgeDictionary;
  readonly log: (line: Record<string, unknown>) => void;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * Fastly's dictionary item API for the one revocation dictionary, wire-compatible: the bulk
 * update takes `{"items":[{"op","item_key","item_value"}]}` and answers `{"status":"ok"}`; the
 * listing answers the items as Fastly does (`dictionary_id`, `item_key`, `item_value`, …).
 */
export async function handleDictionaryItems(
  req: IncomingMessage,
  res: ServerResponse,
  match: RegExpExecArray,
  options: DictionaryApiOptions,
): Promise<void> {
  const presentedKey = req.headers['fastly-key'];
  if (typeof presentedKey !== 'string' || !timingSafeEqual(digest(presentedKey), digest(options.apiToken))) {
    return sendJson(res, 401, { msg: 'Provided credentials are missing or invalid' });
  }
  let serviceId: string;
  let dictionaryId: string;
  try {
    serviceId = decodeURIComponent(match[1] ?? '');
    dictionaryId = decodeURIComponent(match[2] ?? '');
  } catch {
    return sendJson(res, 400, { msg: 'Bad request', detail: 'The path is not valid percent-encoding' });
  }
  if (serviceId !== options.serviceId || dictionaryId !== options.dictionaryId) {
    return sendJson(res, 404, { msg: 'Record not found', detail: 'No such service or dictionary' });
  }
  if (req.method === 'GET') {
    return sendJson(
      res,
      200,
      options.dictionary.entries().map(([key, value]) => ({
        dictionary_id: dictionaryId,
        service_id: serviceId,
        item_key: key,
        item_value: value,
      })),
    );
  }
  if (req.method !== 'PATCH') {
    res.setHeader('Allow', 'GET, PATCH');
    return sendJson(res, 405, { msg: 'Method not allowed' });
  }
  const body = await readBoundedText(req, MAX_BODY_BYTES);
  const items = body === undefined ? undefined : parseBatch(body);
  if (items === undefined) {
    return sendJson(res, 400, {
      msg: 'Bad request',
      detail: 'Expected {"items":[…]} of at most 1000 valid items',
    });
  }
  const refusal = options.dictionary.applyBatch(items);
  if (refusal !== undefined) return sendJson(res, 400, { msg: 'Bad request', detail: refusal });
  options.log({
    level: 'debug',
    msg: 'revocation list updated',
    changes: items.length,
    size: options.dictionary.size,
  });
  sendJson(res, 200, { status: 'ok' });
}

function parseBatch(body: string): BatchItem[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const items = (parsed as { items?: unknown } | null)?.items;
  if (!Array.isArray(items) || items.length === 0 || items.length > MAX_ITEMS_PER_REQUEST) return undefined;
  const valid: BatchItem[] = [];
  for (const item of items as Record<string, unknown>[]) {
    const { op, item_key: key, item_value: value } = item ?? {};
    if (op !== 'create' && op !== 'update' && op !== 'upsert' && op !== 'delete') return undefined;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) return undefined;
    if (op !== 'delete' && (typeof value !== 'string' || value.length > MAX_VALUE_LENGTH)) return undefined;
    valid.push(op === 'delete' ? { op, item_key: key } : { op, item_key: key, item_value: value as string });
  }
  return valid;
}

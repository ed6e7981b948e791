/**
 * JSON-RPC 2.0 over HTTP for an in-process EIP-1193 provider (the embedded EDR chain), so that
 * separate processes (functions, workers) reach it exactly as they reach a real node.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] | object }): Promise<unknown>;
}

type JsonRpcId = string | number | null;

interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId; result: unknown }
  | { jsonrpc: '2.0'; id: JsonRpcId; error: JsonRpcErrorObject };

export const JSON_RPC_PARSE_ERROR = -32700;
export const JSON_RPC_INVALID_REQUEST = -32600;
export const JSON_RPC_INTERNAL_ERROR = -32603;
/** geth/anvil convention for reverts; ethers and viem read the raw revert data from `data`. */
const REVERT_ERROR_CODE = 3;

/** Contract deployments send init code as hex (up to 2 × 48 KiB); 4 MiB leaves room for batches. */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Bounds work per HTTP request; ethers batches at most 100 calls by default. */
const MAX_BATCH_LENGTH = 1000;

class BodyTooLargeError extends Error {}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const declaredLength = Number(request.headers['content-length'] ?? 0);
  if (declaredLength > maxBytes) throw new BodyTooLargeError();
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    received += chunk.length;
    if (received > maxBytes) throw new BodyTooLargeError();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isValidId(id: unknown): id is JsonRpcId {
  return id === null || typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id));
}

function errorResponse(id: JsonRpcId, error: JsonRpcErrorObject): JsonRpcResponse {
  return { jsonrpc: '2.0', id, error };
}

/** Keeps the provider's numeric code; reverts carry their raw data, anything else only a message. */
function toJsonRpcError(err: unknown): JsonRpcErrorObject {
  const code = isRecord(err) && typeof err.code === 'number' ? err.code : JSON_RPC_INTERNAL_ERROR;
  const message = err instanceof Error ? err.message : 'Internal error';
  if (!isRecord(err) || !('data' in err)) return { code, message };
  const data = err.data;
  const revertData = typeof data === 'string' ? data : isRecord(data) ? data.data : undefined;
  if (code === REVERT_ERROR_CODE || typeof revertData === 'string') {
    return { code, message, ...(typeof revertData === 'string' ? { data: revertData } : {}) };
  }
  return { code, message };
}

/** Returns undefined for a notification (no `id`): JSON-RPC sends no response for those. */
async function handleCall(provider: Eip1193Provider, call: unknown): Promise<JsonRpcResponse | undefined> {
  if (!isRecord(call) || call.jsonrpc !== '2.0' || typeof call.method !== 'string') {
    const id = isRecord(call) && isValidId(call.id) ? call.id : null;
    return errorResponse(id, { code: JSON_RPC_INVALID_REQUEST, message: 'Invalid Request' });
  }
  const isNotification = !('id' in call);
  if (!isNotification && !isValidId(call.id)) {
    return errorResponse(null, { code: JSON_RPC_INVALID_REQUEST, message: 'Invalid Request: bad id' });
  }
  const id = isNotification ? null : (call.id as JsonRpcId);
  const params = call.params;
  if (params !== undefined && !Array.isArray(params) && !isRecord(params)) {
    return errorResponse(id, { code: JSON_RPC_INVALID_REQUEST, message: 'Invalid Request: bad params' });
  }
  let response: JsonRpcResponse;
  try {
    const result = await provider.request(
      params === undefined ? { method: call.method } : { method: call.method, params },
    );
    // undefined is not JSON; a method with nothing to return answers null.
    response = { jsonrpc: '2.0', id, result: result ?? null };
  } catch (err) {
    response = errorResponse(id, toJsonRpcError(err));
  }
  return isNotification ? undefined : response;
}

async function handlePayload(provider: Eip1193Provider, payload: unknown): Promise<unknown> {
  if (!Array.isArray(payload)) return handleCall(provider, payload);
  if (payload.length === 0 || payload.length > MAX_BATCH_LENGTH) {
    return errorResponse(null, {
      code: JSON_RPC_INVALID_REQUEST,
      message: `Invalid Request: a batch holds 1 to ${MAX_BATCH_LENGTH} calls`,
    });
  }
  // One after another, in order: a batch may send a transaction and then read its effect.
  const responses: JsonRpcResponse[] = [];
  for (const call of payload) {
    const response = await handleCall(provider, call);
    if (response !== undefined) responses.push(response);
  }
  return responses.length === 0 ? undefined : responses;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

export interface ChainRpcServerOptions {
  readonly maxBodyBytes?: number;
  readonly log?: (line: string) => void;
}

export function createChainRpcServer(provider: Eip1193Provider, options: ChainRpcServerOptions = {}): Server {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const log = options.log ?? (() => {});
  return createServer((request, response) => {
    void serve(request, response).catch((err: unknown) => {
      log(`chain rpc: request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!response.headersSent) {
        sendJson(
          response,
          500,
          errorResponse(null, { code: JSON_RPC_INTERNAL_ERROR, message: 'Internal error' }),
        );
      } else {
        response.destroy();
      }
    });
  });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (request.method !== 'POST') {
      response.writeHead(405, { allow: 'POST' }).end();
      return;
    }
    let body: Buffer;
    try {
      body = await readBody(request, maxBodyBytes);
    } catch (err) {
      if (!(err instanceof BodyTooLargeError)) throw err;
      // Close the connection: the rest of an oversized body is not worth reading.
      response.setHeader('connection', 'close');
      sendJson(
        response,
        413,
        errorResponse(null, { code: JSON_RPC_INVALID_REQUEST, message: 'Request too large' }),
      );
      return;
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      sendJson(response, 200, errorResponse(null, { code: JSON_RPC_PARSE_ERROR, message: 'Parse error' }));
      return;
    }
    const result = await handlePayload(provider, payload);
    if (result === undefined) {
      response.writeHead(204).end();
      return;
    }
    sendJson(response, 200, result);
  }
}

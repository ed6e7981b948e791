import { createPublicKey, type KeyObject, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OciSignatureError, verifyOciSignature } from './oci-signature.ts';

/**
 * HTTP plumbing shared by the local OCI fakes: a server on 127.0.0.1 that reads a bounded body,
 * checks the OCI request signature and answers failures as OCI does, with a JSON `{code, message}`
 * body and an opc-request-id header.
 */

/** A failure answered with `status` and the OCI error body `{code, message}`. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
  }
}

/** Who may call a fake: the signing keys it accepts and how much clock skew it allows. */
export interface OciSigningOptions {
  /** Signing keyId (`tenancy/user/fingerprint`) to public key (PEM or KeyObject). */
  readonly keys: Readonly<Record<string, string | KeyObject>>;
  /** Allowed difference between the signed date and the server clock; 300 when omitted. */
  readonly maxClockSkewSeconds?: number;
}

export interface OciFakeServerOptions extends OciSigningOptions {
  /** Larger bodies are refused with 413 PayloadTooLarge. */
  readonly maxBodyBytes: number;
  /** Requests whose body the SDK does not sign (e.g. Streaming PutMessages); none when omitted. */
  readonly bodyUnsigned?: (request: IncomingMessage) => boolean;
  /** Serves a request whose signature verified; throw an HttpError to answer a failure. */
  readonly handle: (request: IncomingMessage, response: ServerResponse, body: Buffer) => Promise<void>;
}

export interface OciFakeServer {
  /** Base URL of the server (without an API version). */
  readonly endpoint: string;
  /** Requests refused for a bad or missing signature. */
  readonly rejectedRequests: number;
  close(): Promise<void>;
}

export async function startOciFakeServer(options: OciFakeServerOptions): Promise<OciFakeServer> {
  const publicKeys = new Map(
    Object.entries(options.keys).map(([keyId, key]) => [
      keyId,
      typeof key === 'string' ? createPublicKey(key) : key,
    ]),
  );
  const maxSkewMs = (options.maxClockSkewSeconds ?? 300) * 1000;
  let rejectedRequests = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request, options.maxBodyBytes);
    try {
      verifyOciSignature(request, body, publicKeys, maxSkewMs, {
        bodyUnsigned: options.bodyUnsigned?.(request) ?? false,
      });
    } catch (err) {
      rejectedRequests += 1;
      throw err instanceof OciSignatureError ? new HttpError(err.status, err.code, err.message) : err;
    }
    await options.handle(request, response, body);
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : 500;
      const code = err instanceof HttpError ? err.code : 'InternalServerError';
      const message = err instanceof Error ? err.message : 'Internal error';
      if (!response.headersSent) sendJson(response, status, { code, message });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    get rejectedRequests() {
      return rejectedRequests;
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new HttpError(413, 'PayloadTooLarge', 'Request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The body as a JSON object, or 400 InvalidParameter. */
export function parseJson(body: Buffer): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null) return parsed as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new HttpError(400, 'InvalidParameter', 'The body must be a JSON object');
}

/** A fresh value for the opc-request-id header OCI puts on every answer. */
export function opcRequestId(): string {
  return randomBytes(8).toString('hex');
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response
    .writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'opc-request-id': opcRequestId(),
    })
    .end(text);
}

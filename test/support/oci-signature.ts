import { createHash, type KeyObject, verify } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/** A request whose OCI HTTP signature is missing, stale or wrong; fakes answer 401 NotAuthenticated. */
export class OciSignatureError extends Error {
  readonly status = 401;
  readonly code = 'NotAuthenticated';
  constructor(message: string) {
    super(message);
    this.name = 'OciSignatureError';
  }
}

/**
 * Checks the OCI request signature: `Authorization: Signature version="1",keyId="...",
 * algorithm="rsa-sha256",headers="(request-target) host x-date ...",signature="..."`.
 * POST and PUT must also sign content-type, content-length and x-content-sha256, and those
 * must match the body actually received — except for the operations whose body the SDK leaves
 * unsigned (`bodyUnsigned`: Streaming's PutMessages, sent with excludeBody).
 */
export function verifyOciSignature(
  request: IncomingMessage,
  body: Buffer,
  publicKeys: ReadonlyMap<string, KeyObject>,
  maxSkewMs: number,
  options: { readonly bodyUnsigned?: boolean } = {},
): void {
  const header = request.headers.authorization;
  if (header === undefined || !header.startsWith('Signature ')) {
    throw new OciSignatureError('Missing Signature authorization');
  }
  const params = new Map<string, string>();
  for (const match of header.slice('Signature '.length).matchAll(/([a-zA-Z]+)="([^"]*)"/g)) {
    params.set(match[1] ?? '', match[2] ?? '');
  }
  const keyId = params.get('keyId') ?? '';
  const publicKey = publicKeys.get(keyId);
  if (params.get('version') !== '1' || params.get('algorithm') !== 'rsa-sha256' || publicKey === undefined) {
    throw new OciSignatureError('Unknown key or unsupported signature version/algorithm');
  }
  // The SDK lists `Content-Type Content-Length` capitalised; header names are case-insensitive.
  const signedHeaders = (params.get('headers') ?? '').toLowerCase().split(' ');
  const method = (request.method ?? 'GET').toUpperCase();
  const bodySigned = (method === 'POST' || method === 'PUT') && options.bodyUnsigned !== true;
  const required = ['(request-target)', 'host'];
  if (bodySigned) required.push('content-type', 'content-length', 'x-content-sha256');
  const missing = required.filter((name) => !signedHeaders.includes(name));
  if (!signedHeaders.includes('date') && !signedHeaders.includes('x-date')) missing.push('x-date');
  if (missing.length > 0) throw new OciSignatureError(`Unsigned headers: ${missing.join(' ')}`);

  const signedDate = Date.parse(String(request.headers['x-date'] ?? request.headers.date ?? ''));
  if (Number.isNaN(signedDate) || Math.abs(Date.now() - signedDate) > maxSkewMs) {
    throw new OciSignatureError('Signed date missing or outside the allowed clock skew');
  }
  if (bodySigned) {
    const digest = createHash('sha256').update(body).digest('base64');
    if (
      request.headers['x-content-sha256'] !== digest ||
      request.headers['content-length'] !== `${body.length}`
    ) {
      throw new OciSignatureError('Body does not match the signed digest or length');
    }
  }

  const signingString = signedHeaders
    .map((name) =>
      name === '(request-target)'
        ? `(request-target): ${method.toLowerCase()} ${request.url ?? '/'}`
        : `${name}: ${headerValue(request, name)}`,
    )
    .join('\n');
  const signature = Buffer.from(params.get('signature') ?? '', 'base64');
  if (!verify('sha256', Buffer.from(signingString), publicKey, signature)) {
    throw new OciSignatureError('The signature does not verify');
  }
}

function headerValue(request: IncomingMessage, name: string): string {
  const value = request.headers[name];
  if (value === undefined) throw new OciSignatureError(`Signed header ${name} is missing`);
  return Array.isArray(value) ? value.join(', ') : value;
}

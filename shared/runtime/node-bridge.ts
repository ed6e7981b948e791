import type { IncomingMessage, ServerResponse } from 'node:http';
import serverless from 'serverless-http';
import type { HttpRequest, HttpResponse } from './http-exchange.ts';

/** A plain Node request listener, as `http.createServer` takes one. */
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** The API Gateway v1 (REST) event we hand serverless-http, plus the URL as the client sent it. */
interface GatewayEvent {
  readonly httpMethod: string;
  readonly path: string;
  readonly headers: Record<string, never>;
  readonly multiValueHeaders: Record<string, string[]>;
  readonly queryStringParameters: null;
  readonly multiValueQueryStringParameters: null;
  readonly body: Buffer;
  readonly isBase64Encoded: false;
  readonly requestContext: { readonly identity: { readonly sourceIp: string | undefined } };
  readonly rawUrl: string;
}

interface GatewayResult {
  readonly statusCode: number;
  readonly body: string;
  readonly isBase64Encoded: boolean;
  readonly headers?: Record<string, string>;
  readonly multiValueHeaders?: Record<string, string[]>;
}

/**
 * Runs a Node `(req, res)` listener for each exchange through serverless-http, so handlers read a
 * standard IncomingMessage and answer through a ServerResponse whatever carried the call (the Fn
 * FDK's gateway context, the local gateway, a test's in-process call).
 *
 * The event is API Gateway v1's, the shape that keeps multi-value headers in both directions
 * (HTTP API v2 folds every response header but Set-Cookie into one). serverless-http hands a
 * Buffer body through as is (also as `req.body`), so signatures see the exact bytes; `binary: true`
 * base64s every answer so bytes survive whatever the content type. v1 carries the query parsed
 * and serverless-http rebuilds the URL from it (re-encoded, repeated keys regrouped, `?a` → `?a=`);
 * its `request` hook puts back the URL the client sent, which the problem `instance` and the
 * OIDC callback read.
 */
export function bridgeNodeListener(listener: NodeListener): (request: HttpRequest) => Promise<HttpResponse> {
  const handle = serverless(
    (req: IncomingMessage, res: ServerResponse) => {
      // serverless-http does not await the listener: a rejection would leave it waiting for
      // 'finish' forever. An 'error' on the response makes it reject instead.
      listener(req, res).catch((err: unknown) => res.emit('error', err));
    },
    {
      binary: true,
      request: (req: IncomingMessage, event: GatewayEvent) => {
        req.url = event.rawUrl;
      },
    },
  ) as unknown as (event: GatewayEvent, context: object) => Promise<GatewayResult>;

  return async (request) => {
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [name, values] of Object.entries(request.headers)) multiValueHeaders[name] = [...values];
    // serverless-http would add the length as a number; Node's IncomingMessage has strings.
    multiValueHeaders['content-length'] ??= [String(request.body.length)];
    const queryAt = request.url.indexOf('?');
    const result = await handle(
      {
        httpMethod: request.method,
        path: queryAt === -1 ? request.url : request.url.slice(0, queryAt),
        headers: {},
        multiValueHeaders,
        queryStringParameters: null,
        multiValueQueryStringParameters: null,
        body: request.body,
        isBase64Encoded: false,
        requestContext: { identity: { sourceIp: request.sourceIp } },
        rawUrl: request.url,
      },
      {},
    );

    const headers: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = [value];
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) headers[name] = values;
    return {
      status: result.statusCode,
      headers,
      body: Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
    };
  };
}

/** The request body as bytes: serverless-http's Buffer when it gave one, else the stream read. */
export async function rawBodyOf(req: IncomingMessage): Promise<Buffer> {
  const given: unknown = (req as IncomingMessage & { body?: unknown }).body;
  if (Buffer.isBuffer(given)) return given;
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Writes a collected answer through the ServerResponse: status, every header value, the bytes. */
export function writeNodeResponse(res: ServerResponse, response: HttpResponse): void {
  res.statusCode = response.status;
  for (const [name, values] of Object.entries(response.headers)) {
    res.setHeader(name, values.length === 1 ? (values[0] as string) : [...values]);
  }
  res.end(response.body);
}

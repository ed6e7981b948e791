import type { Express } from 'express';
import serverless from 'serverless-http';
import type { HttpRequest, HttpResponse } from './http-exchange.ts';

type ServerlessResult = {
  statusCode: number;
  body: string;
  isBase64Encoded: boolean;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
};

/**
 * Runs an Express app through serverless-http. We speak the API Gateway v1 (REST) event shape
 * because it is the one that keeps multi-value headers and query strings in both directions.
 * `binary: true` makes every response body base64, so bytes survive whatever the content type.
 */
export function bridgeExpress(app: Express): (request: HttpRequest) => Promise<HttpResponse> {
  const handle = serverless(app, { binary: true, requestId: 'fn-call-id' }) as unknown as (
    event: unknown,
    context: unknown,
  ) => Promise<ServerlessResult>;

  return async (request) => {
    const target = new URL(request.url, 'http://fn.local');
    const multiValueQueryStringParameters: Record<string, string[]> = {};
    for (const [key, value] of target.searchParams) {
      multiValueQueryStringParameters[key] = [...(multiValueQueryStringParameters[key] ?? []), value];
    }
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [key, values] of Object.entries(request.headers)) multiValueHeaders[key] = [...values];

    const result = await handle(
      {
        httpMethod: request.method,
        path: target.pathname,
        headers: {},
        multiValueHeaders,
        queryStringParameters: null,
        multiValueQueryStringParameters,
        body: request.body,
        isBase64Encoded: false,
        requestContext: { identity: { sourceIp: request.sourceIp ?? '' } },
      },
      {},
    );

    const headers: Record<string, string[]> = {};
    for (const [key, value] of Object.entries(result.headers ?? {})) headers[key.toLowerCase()] = [value];
    for (const [key, values] of Object.entries(result.multiValueHeaders ?? {}))
      headers[key.toLowerCase()] = values;
    return {
      status: result.statusCode,
      headers,
      body: Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8'),
    };
  };
}

/**
 * The runtime-neutral HTTP exchange every HTTP function speaks. The FDK adapter maps the Fn
 * gateway context to and from it; tests call `HttpFunction.invoke` in-process with no server.
 */
export interface HttpRequest {
  readonly method: string;
  /** Path and query as the client sent them, e.g. `/v1/designs/42?x=1`. */
  readonly url: string;
  /** Lower-case names; every value kept (multi-value headers stay separate). */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
  readonly sourceIp?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: Buffer;
}

export function headerValue(headers: HttpRequest['headers'], name: string): string | undefined {
  return headers[name.toLowerCase()]?.[0];
}

import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a receiver got, as it arrived. */
export interface ReceivedWebhook {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody: Buffer;
  readonly event: { id: string; type: string; aggregateId: string; sequence: string; payload: unknown };
  readonly at: number;
}

/** What the receiver answers a request with; the default answers 204. */
export type Responder = (request: ReceivedWebhook, response: ServerResponse) => void;

export interface WebhookReceiver {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedWebhook[];
  respond: Responder;
  close(): Promise<void>;
}

/** A real HTTP receiver on loopback that records every webhook it gets. */
export async function startWebhookReceiver(respond?: Responder): Promise<WebhookReceiver> {
  const received: ReceivedWebhook[] = [];
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    received,
    respond: respond ?? ((_request, response) => response.writeHead(204).end()),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      let event: ReceivedWebhook['event'];
      try {
        event = JSON.parse(rawBody.toString('utf8')) as ReceivedWebhook['event'];
      } catch {
        response.writeHead(400).end();
        return;
      }
      const webhook: ReceivedWebhook = { headers: request.headers, rawBody, event, at: Date.now() };
      received.push(webhook);
      receiver.respond(webhook, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  Object.assign(receiver, { url: `http://127.0.0.1:${port}/hooks`, port });
  return receiver;
}

/** Calls `probe` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  pauseMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
}

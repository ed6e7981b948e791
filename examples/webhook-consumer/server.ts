import { createServer, type IncomingMessage, type Server } from 'node:http';
import { verifyForgecastSignature } from './verify.ts';

/**
 * A tiny webhook receiver to copy: it reads at most 1 MB of raw body, verifies the signature,
 * skips event ids it has already handled (deliveries are at least once), hands the event to
 * `onEvent` (keep it quick: queue slow work) and answers 204, or 500 when `onEvent` threw (forgecast
 * then retries). Node 22.18 or later (it runs the TypeScript directly). Run it with
 *
 *   FORGECAST_WEBHOOK_SECRET=whsec_… PORT=8080 node examples/webhook-consumer/server.ts
 */
export interface ForgecastEvent {
  readonly id: string;
  readonly type: string;
  readonly version: number;
  readonly aggregateType: string;
  readonly aggregateId: string;
  readonly occurredAt: string;
  readonly sequence: string;
  readonly payload: unknown;
}

export interface ConsumerOptions {
  /** Your signing secret(s); several while you rotate. */
  readonly secrets: () => readonly string[];
  readonly onEvent: (event: ForgecastEvent) => void | Promise<void>;
  readonly toleranceSeconds?: number;
  /** Remember this many handled event ids (use your database in production). */
  readonly rememberIds?: number;
}

const MAX_BODY_BYTES = 1024 * 1024;

export function createWebhookConsumer(options: ConsumerOptions): Server {
  const seen = new Set<string>();
  return createServer(async (request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    const rawBody = await readBody(request);
    if (rawBody === undefined) {
      response.writeHead(413).end();
      return;
    }
    const verification = verifyForgecastSignature({
      rawBody,
      header: request.headers['forgecast-signature'] as string | undefined,
      secrets: options.secrets(),
      ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
    });
    if (!verification.ok) {
      response
        .writeHead(400, { 'content-type': 'text/plain' })
        .end(`signature refused: ${verification.reason}`);
      return;
    }
    const event = JSON.parse(rawBody.toString('utf8')) as ForgecastEvent;
    if (!seen.has(event.id)) {
      try {
        await options.onEvent(event);
      } catch {
        // Not handled: answer 500 so forgecast tries again later, and do not mark it seen.
        response.writeHead(500).end();
        return;
      }
      // Seen only once handled: a delivery that failed here is not taken for a duplicate later.
      seen.add(event.id);
      if (seen.size > (options.rememberIds ?? 10_000)) seen.delete(seen.values().next().value as string);
    }
    response.writeHead(204).end();
  });
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

if (import.meta.main) {
  const secret = process.env.FORGECAST_WEBHOOK_SECRET;
  if (!secret) throw new Error('Set FORGECAST_WEBHOOK_SECRET to your endpoint’s signing secret');
  const server = createWebhookConsumer({
    secrets: () => [
      secret,
      ...(process.env.FORGECAST_WEBHOOK_PREVIOUS_SECRET
        ? [process.env.FORGECAST_WEBHOOK_PREVIOUS_SECRET]
        : []),
    ],
    onEvent: (event) =>
      console.log(`${event.type} ${event.id} about ${event.aggregateType} ${event.aggregateId}`),
  });
  server.listen(Number(process.env.PORT ?? 8080), () => console.log('listening'));
}

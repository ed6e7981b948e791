import type { IncomingMessage } from 'node:http';

/**
 * Reads a request body as UTF-8, or `undefined` once it passes `maxBytes` (the rest is not
 * buffered). For the local stand-ins' small form and JSON bodies.
 */
export async function readBoundedText(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

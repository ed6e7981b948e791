import { generateKeyPairSync } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { WebSocket } from 'ws';
import type { ServerFrame } from '#shared/chat/protocol.ts';
import { createCustomToken, type FirebaseServiceAccount } from '#shared/shows/firebase-token.ts';

/** A service account made for a test (the local cloud makes its own the same way). */
export function testServiceAccount(): FirebaseServiceAccount {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { clientEmail: 'chat@forgecast-test.iam.gserviceaccount.com', privateKey };
}

/** A chat token as show-access signs it. */
export function chatToken(
  account: FirebaseServiceAccount,
  claims: {
    showId: string;
    ticketId: string | null;
    role: 'viewer' | 'moderator';
    name?: string;
    uid?: string;
  },
  options: { ttlSeconds?: number; now?: Date } = {},
): string {
  return createCustomToken(account, {
    uid: claims.uid ?? `u_${claims.ticketId ?? 'moderator'}`,
    claims: {
      showId: claims.showId,
      ticketId: claims.ticketId,
      role: claims.role,
      name: claims.name ?? 'Ada',
    },
    ttlSeconds: options.ttlSeconds ?? 600,
    ...(options.now ? { now: options.now } : {}),
  }).token;
}

export interface TestChatClient {
  readonly socket: WebSocket;
  readonly frames: ServerFrame[];
  send(frame: unknown): void;
  /** The first frame (already received or to come) that matches. */
  next<T extends ServerFrame['type']>(
    type: T,
    match?: (frame: Extract<ServerFrame, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<ServerFrame, { type: T }>>;
  readonly closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a socket to the chat server (with the portal's Origin unless told otherwise). */
export async function connectChat(url: string, origin: string | undefined): Promise<TestChatClient> {
  const socket = new WebSocket(url, origin === undefined ? {} : { origin });
  const frames: ServerFrame[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data) => {
    frames.push(JSON.parse(data.toString()) as ServerFrame);
    for (const wake of waiters.splice(0)) wake();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.on('close', (code, reason) => {
      resolve({ code, reason: reason.toString() });
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  let seen = 0;
  return {
    socket,
    frames,
    send: (frame) => socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    async next(type, match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        for (let i = seen; i < frames.length; i += 1) {
          const frame = frames[i] as ServerFrame;
          if (frame.type === type && (!match || match(frame as never))) {
            seen = i + 1;
            return frame as never;
          }
        }
        if (socket.readyState === socket.CLOSED) throw new Error(`closed before a ${type} frame`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no ${type} frame within ${timeoutMs} ms: ${JSON.stringify(frames)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    },
    closed,
    close: () => socket.close(),
  };
}

/** Who the panels' stand-in page server signs chat tokens for. */
export interface ChatTestPerson {
  readonly uid: string;
  readonly name: string;
  readonly role: 'viewer' | 'moderator';
  readonly ticketId: string | null;
}

/**
 * Answers `POST /v1/shows/{id}/chat-token` as show-access does: 403 `no_valid_ticket` for someone
 * without a ticket, else a custom token with the person's claims and the chat transport given.
 */
export function answerChatToken(
  res: ServerResponse,
  account: FirebaseServiceAccount,
  showId: string,
  person: ChatTestPerson | null | undefined,
  chat: Record<string, unknown>,
): void {
  if (!person) {
    res.writeHead(403, { 'content-type': 'application/problem+json' }).end(
      JSON.stringify({
        type: 'https://forgecast.dev/problems/no-valid-ticket',
        title: 'No valid ticket',
        status: 403,
        code: 'no_valid_ticket',
      }),
    );
    return;
  }
  const token = createCustomToken(account, {
    uid: person.uid,
    claims: { showId, ticketId: person.ticketId, role: person.role, name: person.name },
    ttlSeconds: 600,
  });
  res.writeHead(200, { 'content-type': 'application/json' }).end(
    JSON.stringify({
      token: token.token,
      uid: person.uid,
      expiresAt: token.expiresAt.toISOString(),
      role: person.role,
      chat,
    }),
  );
}

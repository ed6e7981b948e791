/**
 * The local chat server: the show chat of the local cloud, standing in for Firestore (whose
 * emulator cannot run here). Browsers connect to `ws://127.0.0.1:<port>/chat` (CHAT_WEBSOCKET_URL)
 * and authenticate with the Firebase custom token `show-access` signs; functions moderate through
 * the admin API (shared/chat/local-moderation.ts) with a bearer secret. Protocol and limits:
 * shared/chat/protocol.ts (client frames: shared/chat/client-frame.ts); the story: docs/chat.md.
 */
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { ChatTokenError, createChatTokenVerifier } from '#shared/chat/chat-token.ts';
import { parseClientFrame } from '#shared/chat/client-frame.ts';
import {
  CHAT_CLOSE,
  type ChatIdentity,
  type ChatMessage,
  checkMessageText,
  HISTORY_LENGTH,
  MAX_FRAME_BYTES,
  MAX_MESSAGE_LENGTH,
  RATE_LIMIT_MESSAGES,
  RATE_LIMIT_WINDOW_MS,
  type ServerFrame,
} from '#shared/chat/protocol.ts';
import { createSlidingWindowLimiter } from '#shared/chat/rate-limit.ts';
import { ID_PATTERN, newId } from '#shared/ids.ts';
import type { FirebaseServiceAccount } from '#shared/shows/firebase-token.ts';
import { readBoundedText } from '../bounded-body.ts';
import { listen } from '../listen.ts';

export const CHAT_PATH = '/chat';

export interface LocalChatServerOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The service account show-access signs chat tokens with; its public key verifies them. */
  readonly serviceAccount: FirebaseServiceAccount;
  /** Bearer secret of the admin API (CHAT_ADMIN_TOKEN). */
  readonly adminToken: string;
  /** Browser origins allowed to connect (the portal); read at each connection. */
  readonly allowedOrigins: readonly string[] | (() => readonly string[]);
  /** Ping every this often; a socket that missed the previous pong is dropped. Default 30 s. */
  readonly heartbeatMs?: number;
  /** Time for the first frame (`hello`). Default 10 s. */
  readonly helloTimeoutMs?: number;
  /** A socket whose unsent data passes this is dropped (slow consumer). Default 1 MiB. */
  readonly maxBufferedBytes?: number;
  readonly rate?: { readonly messages: number; readonly windowMs: number };
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface RunningLocalChatServer {
  /** `http://127.0.0.1:<port>`: the admin API's base (CHAT_ADMIN_URL). */
  readonly url: string;
  /** `ws://127.0.0.1:<port>/chat`: what browsers connect to (CHAT_WEBSOCKET_URL). */
  readonly websocketUrl: string;
  readonly port: number;
  /** Open sockets (authenticated or not); for tests and the bench. */
  connections(): number;
  close(): Promise<void>;
}

interface Client {
  readonly socket: WebSocket;
  identity: ChatIdentity | undefined;
  alive: boolean;
  badFrames: number;
  timer: NodeJS.Timeout | undefined;
}

interface Room {
  readonly showId: string;
  readonly clients: Set<Client>;
  readonly history: ChatMessage[];
  /** uid → muted until (ms since the epoch). */
  readonly mutes: Map<string, number>;
  /** uids seen as moderators in this room (they cannot be muted). */
  readonly moderators: Set<string>;
}

/** Bad frames a connection may send before it is closed. */
const MAX_BAD_FRAMES = 10;
/** Rooms kept (with their history) when nobody is in them; the oldest empty one goes first. */
const MAX_ROOMS = 1000;
const MAX_ADMIN_BODY_BYTES = 256 * 1024;
const MAX_REVOCATIONS_PER_CALL = 1000;
/** A timer cannot wait longer than about 24.8 days; tokens live an hour at most anyway. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function startLocalChatServer(options: LocalChatServerOptions): Promise<RunningLocalChatServer> {
  const host = options.host ?? '127.0.0.1';
  const log = options.log ?? (() => {});
  const heartbeatMs = options.heartbeatMs ?? 30_000;
  const helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
  const maxBuffered = options.maxBufferedBytes ?? 1024 * 1024;
  const rate = options.rate ?? { messages: RATE_LIMIT_MESSAGES, windowMs: RATE_LIMIT_WINDOW_MS };
  const limiter = createSlidingWindowLimiter({ limit: rate.messages, windowMs: rate.windowMs });
  const verifier = createChatTokenVerifier({
    clientEmail: options.serviceAccount.clientEmail,
    key: options.serviceAccount.privateKey,
  });
  const allowedOrigins = () =>
    typeof options.allowedOrigins === 'function' ? options.allowedOrigins() : options.allowedOrigins;
  const adminSecret = Buffer.from(options.adminToken);

  const rooms = new Map<string, Room>();
  /** Revoked tickets: refused at hello, their sockets closed when the revocation arrives. */
  const revoked = new Set<string>();
  const byTicket = new Map<string, Set<Client>>();
  const clients = new Set<Client>();

  const roomOf = (showId: string): Room => {
    let room = rooms.get(showId);
    if (!room) {
      room = { showId, clients: new Set(), history: [], mutes: new Map(), moderators: new Set() };
      rooms.set(showId, room);
      if (rooms.size > MAX_ROOMS) {
        for (const [id, candidate] of rooms) {
          if (candidate.clients.size === 0 && id !== showId) {
            rooms.delete(id);
            break;
          }
        }
      }
    }
    return room;
  };

  /** A frame as the bytes of one text frame: encoded once, however many sockets it goes to. */
  const encode = (frame: ServerFrame): Buffer => Buffer.from(JSON.stringify(frame));

  const send = (client: Client, frame: ServerFrame | Buffer): void => {
    const socket = client.socket;
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > maxBuffered) {
      // It does not read what the room says: drop it rather than hold the room's memory for it.
      // The close frame would wait behind the backlog, so the socket goes at once (1006).
      log({ level: 'warn', msg: 'chat client too slow; dropped', buffered: socket.bufferedAmount });
      socket.terminate();
      return;
    }
    socket.send(Buffer.isBuffer(frame) ? frame : encode(frame), { binary: false });
  };

  const broadcast = (room: Room, frame: ServerFrame): void => {
    const data = encode(frame);
    for (const client of room.clients) send(client, data);
  };

  const close = (client: Client, reason: { code: number; reason: string }): void => {
    const socket = client.socket;
    if (socket.readyState === socket.OPEN || socket.readyState === socket.CONNECTING) {
      socket.close(reason.code, reason.reason);
    }
  };

  const mutedUntil = (room: Room, uid: string, now = Date.now()): number | undefined => {
    const until = room.mutes.get(uid);
    if (until === undefined) return undefined;
    if (until <= now) {
      room.mutes.delete(uid);
      return undefined;
    }
    return until;
  };

  const leave = (client: Client): void => {
    clients.delete(client);
    if (client.timer) clearTimeout(client.timer);
    const identity = client.identity;
    if (!identity) return;
    rooms.get(identity.showId)?.clients.delete(client);
    if (identity.ticketId) {
      const set = byTicket.get(identity.ticketId);
      set?.delete(client);
      if (set?.size === 0) byTicket.delete(identity.ticketId);
    }
  };

  const hello = (client: Client, showId: string, token: string): void => {
    let identity: ChatIdentity;
    try {
      identity = verifier.verify(token);
    } catch (error) {
      const expired = error instanceof ChatTokenError && error.kind === 'expired';
      log({ level: 'info', msg: 'chat token refused', why: (error as Error).message });
      close(client, expired ? CHAT_CLOSE.tokenExpired : CHAT_CLOSE.tokenInvalid);
      return;
    }
    if (identity.showId !== showId) {
      close(client, CHAT_CLOSE.wrongShow);
      return;
    }
    if (identity.ticketId && revoked.has(identity.ticketId)) {
      close(client, CHAT_CLOSE.revoked);
      return;
    }
    client.identity = identity;
    if (client.timer) clearTimeout(client.timer);
    // The token's end is the session's end: the client fetches a new token (which a revoked
    // ticket no longer gets) and connects again.
    client.timer = setTimeout(
      () => close(client, CHAT_CLOSE.tokenExpired),
      Math.min(MAX_TIMER_MS, Math.max(0, identity.exp * 1000 - Date.now())),
    );
    const room = roomOf(identity.showId);
    room.clients.add(client);
    if (identity.role === 'moderator') room.moderators.add(identity.uid);
    if (identity.ticketId) {
      const set = byTicket.get(identity.ticketId) ?? new Set();
      set.add(client);
      byTicket.set(identity.ticketId, set);
    }
    const until = mutedUntil(room, identity.uid);
    send(client, {
      type: 'welcome',
      uid: identity.uid,
      name: identity.name,
      role: identity.role,
      history: room.history,
      mutedUntil: until === undefined ? null : new Date(until).toISOString(),
      limits: { maxLength: MAX_MESSAGE_LENGTH, rateMessages: rate.messages, rateWindowMs: rate.windowMs },
    });
  };

  const setMute = (room: Room, uid: string, until: number | null): void => {
    if (until === null || until <= Date.now()) room.mutes.delete(uid);
    else room.mutes.set(uid, until);
    const frame: ServerFrame = {
      type: 'muted',
      uid,
      until: until === null || until <= Date.now() ? null : new Date(until).toISOString(),
    };
    for (const member of room.clients) {
      if (member.identity?.uid === uid || member.identity?.role === 'moderator') send(member, frame);
    }
  };

  const removeMessage = (room: Room, messageId: string): boolean => {
    const index = room.history.findIndex((message) => message.id === messageId);
    if (index >= 0) room.history.splice(index, 1);
    broadcast(room, { type: 'deleted', messageId });
    return index >= 0;
  };

  const onFrame = (client: Client, data: string): void => {
    const frame = parseClientFrame(data);
    if (!frame) {
      client.badFrames += 1;
      if (client.badFrames > MAX_BAD_FRAMES) close(client, CHAT_CLOSE.protocol);
      else
        send(client, { type: 'error', code: 'bad-frame', message: 'A frame this chat does not understand.' });
      return;
    }
    const identity = client.identity;
    if (frame.type === 'hello') {
      if (identity) {
        send(client, { type: 'error', code: 'bad-frame', message: 'Already signed in to the chat.' });
        return;
      }
      hello(client, frame.showId, frame.token);
      return;
    }
    if (!identity) {
      send(client, { type: 'error', code: 'not-ready', message: 'Send hello first.', ...refOf(frame) });
      return;
    }
    const room = roomOf(identity.showId);
    const ref = refOf(frame);
    switch (frame.type) {
      case 'send': {
        if (identity.role !== 'moderator') {
          const until = mutedUntil(room, identity.uid);
          if (until !== undefined) {
            send(client, {
              type: 'error',
              code: 'muted',
              message: 'A moderator has muted you for now.',
              until: new Date(until).toISOString(),
              ...ref,
            });
            return;
          }
        }
        const checked = checkMessageText(frame.text);
        if (!checked.ok) {
          send(client, { type: 'error', code: checked.code, message: checked.message, ...ref });
          return;
        }
        const allowed = limiter.take(`${identity.showId}\u0000${identity.uid}`);
        if (!allowed.allowed) {
          send(client, {
            type: 'error',
            code: 'rate-limited',
            message: `At most ${rate.messages} messages every ${Math.round(rate.windowMs / 1000)} seconds.`,
            retryAfterMs: allowed.retryAfterMs,
            ...ref,
          });
          return;
        }
        const message: ChatMessage = {
          id: newId(),
          uid: identity.uid,
          name: identity.name,
          role: identity.role,
          text: checked.text,
          sentAt: new Date().toISOString(),
        };
        room.history.push(message);
        if (room.history.length > HISTORY_LENGTH) room.history.shift();
        const data = encode({ type: 'message', message });
        for (const member of room.clients) {
          send(member, member === client && frame.ref ? { type: 'message', message, ref: frame.ref } : data);
        }
        return;
      }
      case 'delete':
      case 'mute':
      case 'unmute': {
        if (identity.role !== 'moderator') {
          send(client, { type: 'error', code: 'forbidden', message: 'Only moderators may do that.', ...ref });
          return;
        }
        if (frame.type === 'delete') {
          if (!removeMessage(room, frame.messageId)) {
            send(client, {
              type: 'error',
              code: 'not-found',
              message: 'No such message in this chat.',
              ...ref,
            });
          }
          return;
        }
        if (frame.type === 'mute' && room.moderators.has(frame.uid)) {
          send(client, { type: 'error', code: 'forbidden', message: 'Moderators cannot be muted.', ...ref });
          return;
        }
        setMute(room, frame.uid, frame.type === 'mute' ? Date.now() + frame.minutes * 60_000 : null);
        return;
      }
    }
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES, clientTracking: false });

  wss.on('connection', (socket: WebSocket) => {
    const client: Client = { socket, identity: undefined, alive: true, badFrames: 0, timer: undefined };
    clients.add(client);
    client.timer = setTimeout(() => {
      if (!client.identity) close(client, CHAT_CLOSE.helloTimeout);
    }, helloTimeoutMs);
    socket.on('pong', () => {
      client.alive = true;
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        client.badFrames += 1;
        send(client, { type: 'error', code: 'bad-frame', message: 'Frames are JSON text.' });
        return;
      }
      onFrame(client, data.toString());
    });
    // Oversized frames (1009) and protocol errors: ws closes the socket; nothing else to do.
    socket.on('error', (error) => log({ level: 'info', msg: 'chat socket error', error: error.message }));
    socket.on('close', () => leave(client));
  });

  const heartbeat = setInterval(() => {
    for (const client of clients) {
      if (!client.alive) {
        client.socket.terminate();
        continue;
      }
      client.alive = false;
      try {
        client.socket.ping();
      } catch {
        client.socket.terminate();
      }
    }
  }, heartbeatMs);
  heartbeat.unref();

  const refuseUpgrade = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  const server = createServer((req, res) => {
    handleHttp(req, res).catch((error: unknown) => {
      log({ level: 'error', msg: 'chat admin request failed', error: String(error) });
      if (!res.headersSent) problem(res, 500, 'internal', 'The chat server failed.');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '/').split('?')[0];
    if (path !== CHAT_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (!origin || !allowedOrigins().includes(origin)) {
      log({ level: 'warn', msg: 'chat connection from a refused origin', origin: origin ?? null });
      return refuseUpgrade(socket, 403, 'Forbidden');
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const adminAllowed = (req: IncomingMessage): boolean => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (!match) return false;
    const given = Buffer.from(match[1] as string);
    return given.length === adminSecret.length && timingSafeEqual(given, adminSecret);
  };

  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    const text = await readBoundedText(req, MAX_ADMIN_BODY_BYTES);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined;
    }
  };

  async function handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://chat.local');
    if (url.pathname === '/health' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (!url.pathname.startsWith('/admin/')) return problem(res, 404, 'not-found', 'No such path.');
    if (!adminAllowed(req)) return problem(res, 401, 'unauthorized', 'The admin API needs its bearer token.');
    const segments = url.pathname
      .split('/')
      .slice(2)
      .map((segment) => decodeURIComponent(segment));

    if (req.method === 'POST' && segments.length === 1 && segments[0] === 'revoked-tickets') {
      const body = (await readJson(req)) as { ticketIds?: unknown } | undefined;
      const ids = body?.ticketIds;
      if (
        !Array.isArray(ids) ||
        ids.length > MAX_REVOCATIONS_PER_CALL ||
        !ids.every((id) => typeof id === 'string' && ID_PATTERN.test(id))
      ) {
        return problem(
          res,
          400,
          'validation',
          `ticketIds: up to ${MAX_REVOCATIONS_PER_CALL} ticket ids (ULIDs).`,
        );
      }
      let closed = 0;
      for (const id of ids as string[]) {
        revoked.add(id);
        for (const client of byTicket.get(id) ?? []) {
          close(client, CHAT_CLOSE.revoked);
          closed += 1;
        }
      }
      if (closed > 0) log({ level: 'info', msg: 'revoked tickets removed from chat', sockets: closed });
      res.writeHead(204).end();
      return;
    }
    if (segments[0] === 'shows' && segments.length === 4 && segments[1]) {
      const room = roomOf(segments[1]);
      const target = segments[3] as string;
      if (req.method === 'DELETE' && segments[2] === 'messages') {
        removeMessage(room, target);
        res.writeHead(204).end();
        return;
      }
      if (req.method === 'PUT' && segments[2] === 'mutes') {
        const body = (await readJson(req)) as { until?: unknown } | undefined;
        const until = typeof body?.until === 'string' ? Date.parse(body.until) : Number.NaN;
        if (Number.isNaN(until)) return problem(res, 400, 'validation', 'until: an ISO 8601 time.');
        setMute(room, target, until);
        res.writeHead(204).end();
        return;
      }
    }
    return problem(res, 404, 'not-found', 'No such admin route.');
  }

  const address = await listen(server, options.port ?? 0, host, 'the local chat server');
  const base = `http://${host}:${address.port}`;
  log({ level: 'info', msg: 'chat server listening', url: base });

  return {
    url: base,
    websocketUrl: `ws://${host}:${address.port}${CHAT_PATH}`,
    port: address.port,
    connections: () => clients.size,
    async close() {
      clearInterval(heartbeat);
      for (const client of clients) {
        if (client.timer) clearTimeout(client.timer);
        close(client, CHAT_CLOSE.goingAway);
      }
      // Give close frames a moment, then cut whatever is left.
      await new Promise((resolve) => setTimeout(resolve, clients.size > 0 ? 100 : 0));
      for (const client of clients) client.socket.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function refOf(frame: { readonly ref?: string | undefined }): { ref?: string } {
  return frame.ref === undefined ? {} : { ref: frame.ref };
}

function problem(res: ServerResponse, status: number, slug: string, detail: string): void {
  res
    .writeHead(status, { 'content-type': 'application/problem+json' })
    .end(JSON.stringify({ type: `https://forgecast.dev/problems/${slug}`, title: detail, status, detail }));
}

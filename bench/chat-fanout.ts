import { type ChildProcess, spawn } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { newId } from '#shared/ids.ts';
import { createCustomToken, type FirebaseServiceAccount } from '#shared/shows/firebase-token.ts';
import { startLocalChatServer } from '../infra/local/chat/server.ts';
import { percentile, round } from './lib/stats.ts';

/**
 * Chat fan-out: one message reaches all of CLIENTS (200) connected viewers of a show through the
 * local chat server (token-verified sessions, JSON frames, limits, history, backpressure checks);
 * the figure is the p99 of send → receipt over every (message, viewer) pair, against the 200 ms
 * target and against a bare `ws` broadcast server (echo the frame to every socket, nothing else)
 * measured the same way in the same run.
 *
 * Each server runs alone in a child Node process (this file with `--server chat|bare`); the
 * clients and the sender live here, so send and receipt times come from one clock. The chat's rate
 * limit is lifted for the sender (it measures fan-out, not the limit). Messages go out one at a
 * time every BENCH_CHAT_INTERVAL_MS (100 ms), like a busy chat, BENCH_CHAT_MESSAGES (100) of them.
 */
const ORIGIN = 'http://bench.local';
const TARGET_P99_MS = 200;

export interface ChatFanoutResult {
  readonly clients: number;
  readonly messages: number;
  readonly deliveries: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export interface ChatFanoutBench {
  readonly chat: ChatFanoutResult;
  readonly bareWs: ChatFanoutResult;
  readonly targetP99Ms: number;
  /** chat p99 ÷ target (≤ 1 meets it). */
  readonly ratioToTarget: number;
  /** chat p99 ÷ bare ws p99, same run. */
  readonly ratioToBareWs: number;
  readonly met: boolean;
}

interface ServerChild {
  readonly url: string;
  stop(): Promise<void>;
}

async function startServerChild(kind: 'chat' | 'bare', privateKeyPem: string): Promise<ServerChild> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(import.meta.url), '--server', kind], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_CHAT_KEY: privateKeyPem },
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${kind} server exited early (${code})`)));
      const lines = createInterface({ input: child.stdout as NonNullable<ChildProcess['stdout']> });
      lines.on('line', (line) => {
        const message = JSON.parse(line) as { url?: string };
        if (message.url) resolve(message.url);
      });
    });
    return {
      url,
      async stop() {
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(killer);
      },
    };
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
}

async function runFanout(
  url: string,
  hello: ((index: number) => string) | undefined,
  options: { clients: number; messages: number; intervalMs: number },
): Promise<ChatFanoutResult> {
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const sockets: WebSocket[] = [];
  let expected = 0;
  let received = 0;
  let allIn: (() => void) | undefined;
  const open = (index: number) =>
    new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(url, { origin: ORIGIN });
      socket.once('error', reject);
      socket.once('open', () => {
        if (!hello) return resolve(socket);
        socket.send(hello(index));
        socket.once('message', (data) => {
          const frame = JSON.parse(data.toString()) as { type: string };
          if (frame.type === 'welcome') resolve(socket);
          else reject(new Error(`no welcome: ${data.toString()}`));
        });
      });
      socket.on('message', (data) => {
        const text = data.toString();
        const at = performance.now();
        const match = /"bench (\d+)"/.exec(text);
        if (!match) return;
        const sent = sentAt.get(match[1] as string);
        if (sent === undefined) return;
        latencies.push(at - sent);
        received += 1;
        if (received === expected) allIn?.();
      });
    });
  try {
    // Connect in small batches (a crowd arriving, not one SYN flood).
    for (let start = 0; start < options.clients; start += 20) {
      const batch = Array.from({ length: Math.min(20, options.clients - start) }, (_, i) => open(start + i));
      sockets.push(...(await Promise.all(batch)));
    }
    const sender = sockets[0] as WebSocket;
    expected = options.messages * options.clients;
    const done = new Promise<void>((resolve) => {
      allIn = resolve;
    });
    for (let seq = 0; seq < options.messages; seq += 1) {
      const key = String(seq);
      sentAt.set(key, performance.now());
      sender.send(
        hello
          ? JSON.stringify({ type: 'send', text: `bench ${key}` })
          : JSON.stringify({ text: `bench ${key}` }),
      );
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
    await Promise.race([
      done,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`only ${received} of ${expected} deliveries`)), 30_000),
      ),
    ]);
  } finally {
    for (const socket of sockets) socket.terminate();
  }
  latencies.sort((a, b) => a - b);
  return {
    clients: options.clients,
    messages: options.messages,
    deliveries: latencies.length,
    p50Ms: round(percentile(latencies, 50), 1),
    p99Ms: round(percentile(latencies, 99), 1),
    maxMs: round(latencies[latencies.length - 1] ?? Number.NaN, 1),
  };
}

export async function benchChatFanout(
  options = {
    clients: Number(process.env.BENCH_CHAT_CLIENTS ?? 200),
    messages: Number(process.env.BENCH_CHAT_MESSAGES ?? 100),
    intervalMs: Number(process.env.BENCH_CHAT_INTERVAL_MS ?? 100),
  },
): Promise<ChatFanoutBench> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const account: FirebaseServiceAccount = {
    clientEmail: 'chat@forgecast-bench.iam.gserviceaccount.com',
    privateKey,
  };
  const showId = newId();
  const tokens = Array.from(
    { length: options.clients },
    (_, index) =>
      createCustomToken(account, {
        uid: `u_bench${index}`,
        claims: { showId, ticketId: newId(), role: 'viewer', name: `Viewer ${index}` },
        ttlSeconds: 3600,
      }).token,
  );
  const hello = (index: number) => JSON.stringify({ type: 'hello', showId, token: tokens[index] });

  // Bare first, then chat, then bare again: the baseline is the better of its two runs.
  const results: { bare: ChatFanoutResult[]; chat?: ChatFanoutResult } = { bare: [] };
  for (const kind of ['bare', 'chat', 'bare'] as const) {
    const server = await startServerChild(kind, pem);
    try {
      // A short warm-up run (JIT, TCP), not counted.
      await runFanout(server.url, kind === 'chat' ? hello : undefined, { ...options, messages: 5 });
      const result = await runFanout(server.url, kind === 'chat' ? hello : undefined, options);
      if (kind === 'chat') results.chat = result;
      else results.bare.push(result);
    } finally {
      await server.stop();
    }
  }
  const chat = results.chat as ChatFanoutResult;
  const bareWs = results.bare.reduce((best, run) => (run.p99Ms < best.p99Ms ? run : best));
  return {
    chat,
    bareWs,
    targetP99Ms: TARGET_P99_MS,
    ratioToTarget: round(chat.p99Ms / TARGET_P99_MS),
    ratioToBareWs: round(chat.p99Ms / bareWs.p99Ms),
    met: chat.p99Ms <= TARGET_P99_MS,
  };
}

/** The child: one server, its URL on stdout, until SIGTERM. */
async function serve(kind: 'chat' | 'bare'): Promise<void> {
  let stop: () => Promise<void>;
  if (kind === 'chat') {
    const privateKey = createPrivateKey(process.env.BENCH_CHAT_KEY as string);
    const chat = await startLocalChatServer({
      serviceAccount: { clientEmail: 'chat@forgecast-bench.iam.gserviceaccount.com', privateKey },
      adminToken: 'bench-admin-token-not-used-0000',
      allowedOrigins: [ORIGIN],
      rate: { messages: 1_000_000, windowMs: 1000 },
    });
    console.log(JSON.stringify({ url: chat.websocketUrl }));
    stop = chat.close;
  } else {
    const server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket) => {
      socket.on('message', (data) => {
        const text = data.toString();
        for (const client of wss.clients) client.send(text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    console.log(JSON.stringify({ url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/` }));
    stop = async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    };
  }
  process.once('SIGTERM', () => {
    void stop().finally(() => process.exit(0));
  });
}

const serverKind = process.argv[2] === '--server' ? process.argv[3] : undefined;
if (serverKind === 'chat' || serverKind === 'bare') {
  await serve(serverKind);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await benchChatFanout(), null, 2));
}

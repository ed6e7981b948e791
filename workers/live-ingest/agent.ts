import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { isStreamKeyShape } from '#shared/live/stream-key.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import {
  type AuthorizeAnswer,
  type ControlPlane,
  ControlPlaneUnavailableError,
  type Refusal,
} from './control-plane.ts';
import type { LadderInput, PublishHandle } from './ladder.ts';
import { type NginxPorts, type RunningNginx, startNginx } from './nginx.ts';
import { LivePublish, type Log } from './publish.ts';
import { isLoopback, RefusalBudget } from './refusal-budget.ts';

export interface AgentOptions {
  readonly store: ObjectStore;
  /** Where each publish records its playlist lag (default: nowhere). */
  readonly metrics?: Metrics;
  readonly bucket: string;
  readonly controlPlane: ControlPlane;
  readonly workDir: string;
  readonly ports: { readonly rtmp: number; readonly rtmps: number };
  readonly publicHost: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly nginx: string;
  readonly ffmpeg: string;
  readonly openssl: string;
  readonly preset: string;
  readonly x264Params?: string;
  /** nginx's on_update period; the function's updateIntervalSeconds. */
  readonly updateIntervalSeconds?: number;
  readonly drainSeconds: number;
  readonly log: Log;
  /** Unknown-key refusals per client IP before it is refused without asking (default 5 a minute). */
  readonly refusalBudget?: RefusalBudget;
}

export type GateResult = { readonly ok: true; readonly publish: LivePublish } | Refusal;

const STREAM_NAME = /^s-([0-9A-Za-z]{1,64})-(\d{1,9})$/;
const hashKey = (key: string) => createHash('sha256').update(key).digest('hex');
const UNKNOWN_KEY: Refusal = { ok: false, status: 403, code: 'unknown-key', detail: 'Unknown stream key' };
const TOO_MANY: Refusal = {
  ok: false,
  status: 429,
  code: 'too-many-refusals',
  detail: 'Too many refused publishes from this address; try again in a minute',
};

/**
 * The live-ingest agent: nginx (RTMP/RTMPS) as a child, the notify server nginx calls, the key gate
 * shared with the WHIP receiver, one ladder per stream, and the drain on SIGTERM.
 */
export class LiveIngestAgent {
  readonly #options: AgentOptions;
  /** sha256(key) → the publish holding that key (or pending while authorize runs). */
  readonly #keys = new Map<string, LivePublish | 'pending'>();
  readonly #byStream = new Map<string, LivePublish>();
  /** nginx client id → publish, for on_update / on_publish_done (which carry the original name). */
  readonly #byClient = new Map<string, LivePublish>();
  /** Lets only the agent's own ladder play (RTMPS arrives from 127.0.0.1 through the proxy too). */
  readonly #playToken = randomBytes(18).toString('base64url');
  #notifyServer: Server | undefined;
  #nginx: RunningNginx | undefined;
  #ports: NginxPorts | undefined;
  #draining = false;
  readonly #refusals: RefusalBudget;

  constructor(options: AgentOptions) {
    this.#options = options;
    this.#refusals = options.refusalBudget ?? new RefusalBudget();
  }

  get ports(): NginxPorts | undefined {
    return this.#ports;
  }

  get nginx(): RunningNginx | undefined {
    return this.#nginx;
  }

  get publishes(): readonly LivePublish[] {
    return [...this.#byStream.values()];
  }

  get draining(): boolean {
    return this.#draining;
  }

  async start(): Promise<NginxPorts> {
    const notify = createServer((req, res) => void this.#onNotify(req, res));
    notify.keepAliveTimeout = 0;
    await listen(notify, 0, '127.0.0.1');
    this.#notifyServer = notify;
    const ports: NginxPorts = {
      rtmp: this.#options.ports.rtmp || (await freePort()),
      rtmps: this.#options.ports.rtmps || (await freePort()),
      control: await freePort(),
      notify: (notify.address() as AddressInfo).port,
    };
    this.#ports = ports;
    const nginxDir = join(this.#options.workDir, 'nginx');
    // nobody (nginx, ffmpeg) may pass through the agent's folders but list or read nothing in them;
    // its own sub-folders are its own.
    await chmod(this.#options.workDir, 0o711);
    await mkdir(join(this.#options.workDir, 'ladders'), { recursive: true });
    await chmod(join(this.#options.workDir, 'ladders'), 0o711);
    await mkdir(nginxDir, { recursive: true, mode: 0o700 });
    this.#nginx = await startNginx({
      nginx: this.#options.nginx,
      openssl: this.#options.openssl,
      dir: nginxDir,
      ports,
      ...(this.#options.certFile ? { certFile: this.#options.certFile } : {}),
      ...(this.#options.keyFile ? { keyFile: this.#options.keyFile } : {}),
      publicHost: this.#options.publicHost,
      updateIntervalSeconds: this.#options.updateIntervalSeconds ?? 5,
      log: this.#options.log,
    });
    this.#nginx.child.once('exit', (code, signal) => {
      if (!this.#draining) {
        this.#options.log('error', 'nginx exited unexpectedly', { code, signal });
        for (const publish of this.#byStream.values()) void publish.end('error');
      }
    });
    return ports;
  }

  /**
   * The key gate for both protocols: local one-stream-one-ladder guard, then the function's
   * authorize. The key is hashed for the guard and goes nowhere else but the authorize body.
   */
  async gate(streamKey: string, protocol: 'rtmp' | 'whip', clientIp?: string): Promise<GateResult> {
    if (this.#draining)
      return { ok: false, status: 503, code: 'draining', detail: 'This ingest worker is draining' };
    // A client address behind the RTMPS proxy is loopback: not budgeted (it would be everyone's).
    const budgeted =
      clientIp !== undefined && clientIp !== '' && !isLoopback(clientIp) ? clientIp : undefined;
    if (budgeted !== undefined && !this.#refusals.allows(budgeted)) return TOO_MANY;
    if (!isStreamKeyShape(streamKey)) {
      this.#spendRefusal(budgeted, protocol);
      this.#options.log('info', 'publish refused', { code: 'unknown-key', local: true, protocol, clientIp });
      return UNKNOWN_KEY;
    }
    const hash = hashKey(streamKey);
    if (this.#keys.has(hash)) {
      this.#options.log('info', 'publish refused', { code: 'already-live', local: true, protocol });
      return { ok: false, status: 409, code: 'already-live', detail: 'This stream is already live' };
    }
    this.#keys.set(hash, 'pending');
    let result: Awaited<ReturnType<ControlPlane['authorize']>>;
    try {
      result = await this.#options.controlPlane.authorize({
        streamKey,
        protocol,
        ...(clientIp ? { clientIp } : {}),
      });
    } catch (error) {
      this.#keys.delete(hash);
      const status = error instanceof ControlPlaneUnavailableError ? error.status : undefined;
      this.#options.log('warn', 'authorize failed', { protocol, status, error: (error as Error).message });
      return { ok: false, status: 503, code: 'control-plane-unavailable', detail: 'Try again shortly' };
    }
    if (!result.ok) {
      this.#keys.delete(hash);
      if (result.code === 'unknown-key') this.#spendRefusal(budgeted, protocol);
      this.#options.log('info', 'publish refused', { code: result.code, status: result.status, protocol });
      return result;
    }
    const { answer } = result;
    const running = this.#byStream.get(answer.streamId);
    if (running || this.#draining) {
      this.#keys.delete(hash);
      const code = this.#draining ? 'draining' : 'already-live';
      // The same session the agent runs (its first answer was lost, the function answered it again):
      // a done would end the running publish. Any other grant is handed back at once, or the
      // publisher's retries meet `already-live` until the watchdog silences the orphan.
      const same = running?.session === answer.session;
      this.#options.log('warn', 'publish refused', {
        code,
        local: true,
        streamId: answer.streamId,
        session: answer.session,
        released: !same,
      });
      if (!same) this.#release(answer);
      return this.#draining
        ? { ok: false, status: 503, code, detail: 'This ingest worker is draining' }
        : { ok: false, status: 409, code, detail: 'This stream is already live' };
    }
    const publish = new LivePublish(answer, {
      store: this.#options.store,
      bucket: this.#options.bucket,
      controlPlane: this.#options.controlPlane,
      ffmpeg: this.#options.ffmpeg,
      preset: this.#options.preset,
      ...(this.#options.x264Params ? { x264Params: this.#options.x264Params } : {}),
      laddersDir: join(this.#options.workDir, 'ladders'),
      log: this.#options.log,
      ...(this.#options.metrics ? { metrics: this.#options.metrics } : {}),
      ...(protocol === 'rtmp'
        ? { dropPublisher: () => this.#dropPublisher(answer.streamId, answer.session) }
        : {}),
      onFinished: () => {
        this.#keys.delete(hash);
        if (this.#byStream.get(answer.streamId) === publish) this.#byStream.delete(answer.streamId);
        for (const [client, p] of this.#byClient) if (p === publish) this.#byClient.delete(client);
      },
    });
    this.#keys.set(hash, publish);
    this.#byStream.set(answer.streamId, publish);
    this.#options.log('info', 'publish authorized', {
      streamId: answer.streamId,
      session: answer.session,
      protocol,
      clientIp,
    });
    return { ok: true, publish };
  }

  /** Hands a granted session the agent will not run back to the function (fire and forget). */
  #release(answer: AuthorizeAnswer): void {
    const fields = { streamId: answer.streamId, session: answer.session };
    this.#options.controlPlane
      .done(answer.streamId, { session: answer.session, recordedSeconds: 0, segments: 0, reason: 'error' })
      .then(
        () => this.#options.log('info', 'unused session released', fields),
        (error: unknown) =>
          this.#options.log('warn', 'unused session could not be released', {
            ...fields,
            error: (error as Error).message,
          }),
      );
  }

  #spendRefusal(ip: string | undefined, protocol: 'rtmp' | 'whip'): void {
    if (ip !== undefined && this.#refusals.spend(ip)) {
      this.#options.log('warn', 'refused publishes budget used up; address refused for a while', {
        clientIp: ip,
        protocol,
      });
    }
  }

  /** The WHIP receiver's `authorize` (see /tmp/team/whip-port.md). */
  whipAuthorize = async (
    streamKey: string,
    info?: { clientIp?: string },
  ): Promise<
    { ok: true; streamId: string; session: number; publish: (input: LadderInput) => PublishHandle } | Refusal
  > => {
    const gate = await this.gate(streamKey, 'whip', info?.clientIp);
    if (!gate.ok) return gate.code === 'unknown-key' ? { ...gate, status: 401 } : gate;
    const { publish } = gate;
    publish.expectStartWithin(20_000);
    return {
      ok: true,
      streamId: publish.streamId,
      session: publish.session,
      publish: (input) => {
        publish.start(input).catch((error: unknown) => {
          this.#options.log('error', 'ladder start failed', { streamId: publish.streamId, error });
          void publish.end('error');
        });
        return publish;
      },
    };
  };

  async #dropPublisher(streamId: string, session: number): Promise<void> {
    const dropped = await this.#nginx?.dropPublisher(`s-${streamId}-${session}`);
    this.#options.log('info', 'publisher dropped', { streamId, session, dropped });
  }

  async #onNotify(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-length': '0', ...headers });
      res.end();
    };
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > 16_384) return answer(413);
        chunks.push(chunk as Buffer);
      }
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const call = form.get('call') ?? '';
      const client = form.get('clientid') ?? '';
      switch (call) {
        case 'publish':
          return await this.#onPublish(form, client, res, answer);
        case 'play': {
          const ok = form.get('addr') === '127.0.0.1' && form.get('pt') === this.#playToken;
          return answer(ok ? 200 : 403);
        }
        case 'update_publish': {
          const publish = this.#byClient.get(client);
          // A publish the agent ended (cut, drain, dead ladder) is refused: nginx drops the publisher.
          return answer(publish && !publish.cut.aborted ? 200 : 403);
        }
        case 'publish_done': {
          const publish = this.#byClient.get(client);
          this.#byClient.delete(client);
          if (publish) void publish.end('publisher-left');
          return answer(200);
        }
        default:
          return answer(200);
      }
    } catch (error) {
      this.#options.log('error', 'notify handling failed', { error: (error as Error).message });
      if (!res.headersSent) answer(500);
    }
  }

  async #onPublish(
    form: URLSearchParams,
    client: string,
    res: ServerResponse,
    answer: (status: number, headers?: Record<string, string>) => void,
  ): Promise<void> {
    const key = form.get('name') ?? '';
    if (STREAM_NAME.test(key) && form.get('addr') === '127.0.0.1') {
      // Never a key: our own renamed name published again. Refuse.
      return answer(403);
    }
    const addr = form.get('addr') ?? undefined;
    const gate = await this.gate(key, 'rtmp', addr);
    if (!gate.ok) return answer(gate.status >= 400 && gate.status < 600 ? gate.status : 403);
    const { publish } = gate;
    const name = `s-${publish.streamId}-${publish.session}`;
    this.#byClient.set(client, publish);
    // If the answer never reaches nginx (connection lost), the stream is handed back, not held.
    publish.expectStartWithin(20_000);
    res.once('finish', () => {
      const ports = this.#ports as NginxPorts;
      publish
        .start({ kind: 'url', url: `rtmp://127.0.0.1:${ports.rtmp}/live/${name}?pt=${this.#playToken}` })
        .catch((error: unknown) => {
          this.#options.log('error', 'ladder start failed', { streamId: publish.streamId, error });
          void publish.end('error');
        });
    });
    // A Location without rtmp:// makes nginx-rtmp rename the stream; the key goes no further.
    answer(302, { location: name });
  }

  /**
   * SIGTERM: refuse new publishes (503), end every publish with reason 'drain' (publisher cut,
   * last segments and playlists uploaded, done sent), then stop nginx.
   */
  async drain(): Promise<void> {
    this.#draining = true;
    await Promise.all([...this.#byStream.values()].map((p) => p.end('drain')));
    await this.#nginx?.stop(this.#options.drainSeconds * 1000);
    await new Promise<void>((resolve) => {
      if (!this.#notifyServer) return resolve();
      this.#notifyServer.close(() => resolve());
      this.#notifyServer.closeAllConnections();
    });
  }
}

export function listen(server: Server, port: number, host?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await listen(server, 0, '127.0.0.1');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

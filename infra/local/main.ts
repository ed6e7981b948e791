import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { catalog } from '#functions/index.ts';
import { ensureOperatorKey } from './bootstrap.ts';
import { stopAllChildrenNow } from './child-processes.ts';
import { type LocalCloud, startLocalCloud } from './cloud.ts';
import { consoleLine } from './console-log.ts';
import { PortInUseError } from './listen.ts';

/**
 * `npm start`: the whole platform on this machine. Data lives under one folder
 * (FORGECAST_DATA_DIR, default `.data`); `--reset` wipes it first, `--reset-only` just wipes it.
 */
const { values } = parseArgs({
  options: {
    reset: { type: 'boolean', default: false },
    'reset-only': { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    verbose: { type: 'boolean', default: false },
  },
});

const dataDir = resolve(values['data-dir'] ?? process.env.FORGECAST_DATA_DIR ?? '.data');
if (values.reset || values['reset-only']) {
  await rm(dataDir, { recursive: true, force: true });
  console.log(`reset: removed ${dataDir}`);
  if (values['reset-only']) process.exit(0);
}

const port = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
/** The fixed ports a user may have to move, with their defaults. */
const DEFAULT_PORTS = {
  GATEWAY_PORT: 8080,
  S3_PORT: 9000,
  CHAIN_PORT: 8545,
  EDGE_PORT: 8081,
  STRIPE_PORT: 12111,
  METRICS_PORT: 9464,
  WEB_PORT: 8082,
  IDP_PORT: 8083,
  LIVE_RTMP_PORT: 1935,
  LIVE_RTMPS_PORT: 1936,
  LIVE_WHIP_PORT: 8084,
} as const;
const fixedPort = (name: keyof typeof DEFAULT_PORTS) => port(name, DEFAULT_PORTS[name]);
const verbose = values.verbose || process.env.LOG_LEVEL === 'debug';

function printLog(source: string, line: Record<string, unknown> | string): void {
  const shown = consoleLine(source, line, verbose);
  if (shown) (shown.stream === 'stderr' ? console.error : console.log)(shown.text);
}

/**
 * How this program ends, whatever ends it (docs/architecture.md, "The local cloud"):
 * - Ctrl-C, SIGTERM (a supervisor, `timeout`, CI), SIGHUP, or the parent going away (npm's shell
 *   killed by a SIGTERM sent to npm does not pass it on): an orderly stop, also in the middle of
 *   the start, then exit 0.
 * - A second one: every child is stopped at once, exit 130.
 * - A failed start or a dependency that cannot be kept running: everything is stopped, the reason
 *   printed, exit 1.
 * - A crash or SIGKILL of this process: the kernel signals every child (child-processes.ts).
 */
const stopRequest = new AbortController();
let exitCode = 0;
let stopReason: string | undefined;
let firstSignalAt: number | undefined;
/**
 * One Ctrl-C can arrive twice: from the terminal (to the whole process group) and forwarded by
 * npm when it is our parent. A signal this soon after the first is that echo, not a second Ctrl-C.
 */
const SIGNAL_ECHO_MS = 300;

function requestStop(reason: string, code = 0): void {
  if (stopReason !== undefined) return;
  stopReason = reason;
  exitCode = code;
  stopRequest.abort(new Error(reason));
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    const now = performance.now();
    if (firstSignalAt === undefined) {
      firstSignalAt = now;
      requestStop(signal);
    } else if (now - firstSignalAt > SIGNAL_ECHO_MS) {
      console.error(`\n${signal} again: stopping every process now`);
      stopAllChildrenNow();
      process.exit(130);
    }
  });
}

/** Our parent's pid as the kernel sees it now (`process.ppid` is read once at start). */
function currentParentPid(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    return Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
  } catch {
    return undefined;
  }
}
const parentAtStart = currentParentPid();
if (parentAtStart !== undefined && parentAtStart > 1) {
  setInterval(() => {
    const parent = currentParentPid();
    if (parent !== undefined && parent !== parentAtStart) requestStop('parent process exited');
  }, 1_000).unref();
}

const started = performance.now();
console.log(`forgecast local cloud: starting (data in ${dataDir})`);
let cloud: LocalCloud | undefined;
try {
  cloud = await startLocalCloud({
    dataDir,
    gatewayPort: fixedPort('GATEWAY_PORT'),
    s3Port: fixedPort('S3_PORT'),
    chainPort: fixedPort('CHAIN_PORT'),
    edgePort: fixedPort('EDGE_PORT'),
    stripePort: fixedPort('STRIPE_PORT'),
    metricsPort: fixedPort('METRICS_PORT'),
    webPort: fixedPort('WEB_PORT'),
    identityPort: fixedPort('IDP_PORT'),
    // A free port unless CHAT_PORT is set: browsers learn the address from the chat-token answer.
    chatPort: port('CHAT_PORT', 0),
    // Functions learn the warehouse's address from their config: any free port unless set.
    warehousePort: port('WAREHOUSE_PORT', 0),
    transcoders: {
      count: port('TRANSCODER_WORKERS', 1),
      // The scaler moves the pool between these (both TRANSCODER_WORKERS unless set).
      min: port('TRANSCODER_MIN_WORKERS', port('TRANSCODER_WORKERS', 1)),
      max: port('TRANSCODER_MAX_WORKERS', port('TRANSCODER_WORKERS', 1)),
    },
    liveIngest: {
      ports: {
        rtmp: fixedPort('LIVE_RTMP_PORT'),
        rtmps: fixedPort('LIVE_RTMPS_PORT'),
        whip: fixedPort('LIVE_WHIP_PORT'),
      },
    },
    ...(process.env.MYSQL_URL ? { mysqlUrl: process.env.MYSQL_URL } : {}),
    ...(process.env.CHAIN_RPC_URL
      ? {
          chain: {
            rpcUrl: process.env.CHAIN_RPC_URL,
            deployerKey: process.env.CHAIN_DEPLOYER_KEY ?? '',
            relayerKey: process.env.CHAIN_RELAYER_KEY ?? '',
          },
        }
      : {}),
    logLevel: process.env.LOG_LEVEL ?? 'info',
    log: printLog,
    signal: stopRequest.signal,
    startupSteps: ['functions', 'operator key'],
    onFatal: (message) => requestStop(`stopping: ${message}`, 1),
  });
  const running = cloud;
  await untilStopRequested(
    running.runner.warmAll(4, (name, error) =>
      printLog('cloud', {
        level: 'warn',
        msg: `${name} is still not listening; its first call starts it again`,
        error: error.message,
      }),
    ),
  );
  running.startup.done('functions');
  const operator = await untilStopRequested(ensureOperatorKey(running.mysqlUrl, dataDir));

  console.log(`
forgecast is ready in ${Math.round(performance.now() - started)} ms
  web portal       ${running.webUrl}          (sign in here; the app from dist/web, /v1 proxied to the gateway)
  API gateway      ${running.gatewayUrl}        (try: curl ${running.gatewayUrl}/health)
  object storage   ${running.s3Endpoint}          (S3 API, path style; credentials in ${dataDir}/local-credentials.json)
  CDN edge         ${running.edgeUrl}          (HLS behind tokens; playback URLs come from GET /v1/videos/{id})
  Stripe (local)   ${running.stripe.url}         (Checkout Sessions and refunds; webhooks signed to /v1/webhooks/stripe)
  show chat        ${running.chat.websocketUrl}     (WebSocket for the watch page; sign in with POST /v1/shows/{id}/chat-token)
  metrics          ${running.metrics.metricsUrl}  (Prometheus text; infra/local/grafana/ has a scrape config and a dashboard)
  warehouse        ${running.warehouse.url}     (DuckDB in ${dataDir}/warehouse, fed from the event stream; docs/warehouse.md)
${liveBanner(running)}
  transcoders      ${running.transcoders.workers.length} worker process(es) (TRANSCODER_WORKERS; the scaler keeps TRANSCODER_MIN_WORKERS..TRANSCODER_MAX_WORKERS)
  chain JSON-RPC   ${running.chainRpcUrl}
  database         ${running.mysqlUrl.replace(/\/\/[^@]*@/, '//…@')}
  functions        ${catalog.map((e) => e.manifest.name).join(', ')}
  operator API key ${operator.created ? 'created: ' : ''}${operator.file}
  sign-in (local)  ${running.identity.issuer}          (OpenID provider; viewers can sign up from the portal)
  seeded people    password ${running.identity.seededPassword} for each (list in ${running.identity.seededPeopleFile})
${running.identity.seededPeople.map((person) => `    ${person.email.padEnd(28)} ${person.role.padEnd(20)} ${person.org.name}`).join('\n')}
Ctrl-C stops everything; data stays in ${dataDir} (npm run reset wipes it).
`);
  // Health turns 200 only now: the key exists and the banner has been printed.
  running.startup.done('operator key');
} catch (err) {
  if (stopReason === undefined) {
    stopReason = 'start failed';
    exitCode = 1;
    console.error(`\nforgecast could not start: ${startFailure(err)}`);
  }
}

if (stopReason === undefined) {
  await new Promise((resolve) => stopRequest.signal.addEventListener('abort', resolve, { once: true }));
}
console.log(`\n${stopReason}: stopping…`);
await cloud?.stop();
console.log(exitCode === 0 ? 'stopped cleanly' : 'stopped');
process.exit(exitCode);

/** Where creators publish: OBS takes the RTMP(S) URL plus the stream key as the stream name. */
function liveBanner(running: LocalCloud): string {
  if (!running.liveIngest) return '  live ingest      off';
  const urls = running.liveIngest.urls;
  return [
    `  live RTMP        ${urls.rtmp}     (OBS: server URL; the stream key from POST /v1/live-streams is the stream name)`,
    `  live RTMPS       ${urls.rtmps}    (TLS with a certificate made at start; OBS needs it trusted)`,
    `  live WHIP        ${urls.whip}     (browsers: POST an SDP offer with Authorization: Bearer <stream key>)`,
  ].join('\n');
}

/** Why the start failed, in words that say what to change. */
function startFailure(err: unknown): string {
  if (err instanceof PortInUseError) {
    const names = Object.keys(DEFAULT_PORTS) as (keyof typeof DEFAULT_PORTS)[];
    const variable = names.find((name) => fixedPort(name) === err.port);
    return variable
      ? `${err.message}; stop what holds it, or set ${variable} to another port (0 picks a free one)`
      : err.message;
  }
  return err instanceof Error ? err.message : String(err);
}

/** Resolves with `work`, or rejects as soon as a stop is requested (the stop then cleans up). */
function untilStopRequested<T>(work: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onStop = () => reject(stopRequest.signal.reason);
    if (stopRequest.signal.aborted) onStop();
    stopRequest.signal.addEventListener('abort', onStop, { once: true });
    work.then(resolve, reject).finally(() => stopRequest.signal.removeEventListener('abort', onStop));
  });
}

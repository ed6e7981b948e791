import { lookup } from 'node:dns/promises';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { type AddressInfo, isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { log } from '#shared/base/log.ts';
import { ConfigError } from '#shared/errors.ts';
import { processMetrics } from '#shared/metrics/metrics-from-config.ts';
import { resolveWorkerSecretsOrExit } from '#shared/secrets/resolve-at-cold-start.ts';
import { objectStoreFromConfig } from '#shared/storage/s3-object-store.ts';
import { LiveIngestAgent, listen } from './agent.ts';
import { loadLiveIngestConfig } from './config.ts';
import { httpControlPlane } from './control-plane.ts';
import { runningAsRoot, UNPRIVILEGED_ID } from './processes.ts';
import { createWhipReceiver } from './whip/receiver.ts';
import { createWeriftReceiverPort } from './whip/werift-peer.ts';
import { createAgentWorkDir, removeLeftoverAgentDirs } from './work-dir.ts';

/**
 * The live-ingest agent's entrypoint (one per Container Instance of the ingest pool; `npm start`
 * runs one locally): nginx for RTMP/RTMPS, the WHIP endpoint, one live ladder per stream, until
 * SIGTERM drains it. Start: `node workers/live-ingest/main.ts` with the env of config.ts.
 *
 * Run as root (the container's default) it drops every child to nobody (65534) via setpriv; run as
 * another user, the children keep that user.
 */
// Vault references become plain values before the config below reads them.
await resolveWorkerSecretsOrExit();
let config: ReturnType<typeof loadLiveIngestConfig>;
try {
  config = loadLiveIngestConfig();
} catch (err) {
  if (err instanceof ConfigError) log.error(err.message, { variables: err.variables });
  else log.error('configuration could not be read', { error: err });
  process.exit(78);
}

const write = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) =>
  log[level](msg, { worker: config.WORKER_ID, ...fields });

const workRoot = resolvePath(config.WORK_DIR ?? join(tmpdir(), 'forgecast-live-ingest'));
await mkdir(workRoot, { recursive: true });
if (runningAsRoot()) {
  // nginx and ffmpeg run as nobody and must reach their folders below WORK_DIR.
  for (let dir = workRoot; ; dir = dirname(dir)) {
    const { mode, uid } = await stat(dir);
    if ((mode & 0o001) === 0 && uid !== UNPRIVILEGED_ID) {
      log.error('WORK_DIR must be traversable by nobody (o+x on it and every parent)', {
        variables: ['WORK_DIR'],
      });
      process.exit(78);
    }
    if (dir === dirname(dir)) break;
  }
}
// Folders of earlier agents killed without a drain (SIGKILL, OOM) would pile up otherwise.
await removeLeftoverAgentDirs(workRoot, { log: write });
const workDir = await createAgentWorkDir(workRoot);
const publicHost = config.LIVE_PUBLIC_HOST ?? '127.0.0.1';
// ICE candidates need an address; on OCI LIVE_PUBLIC_HOST is the instance's DNS name.
const iceHost = config.LIVE_PUBLIC_HOST
  ? isIP(config.LIVE_PUBLIC_HOST)
    ? config.LIVE_PUBLIC_HOST
    : (await lookup(config.LIVE_PUBLIC_HOST, { family: 4 })).address
  : undefined;

// The host's certificate (files, or PEM values from Vault written to the private work folder):
// nginx ends RTMPS with it and WHIP is served over HTTPS, as browsers on https:// pages need.
const tls = await tlsFiles(config, workDir);
// Playlist lag per upload (live_playlist_lag_ms): OCI Monitoring alarms on it, Grafana shows it.
const metrics = processMetrics();
const agent = new LiveIngestAgent({
  store: objectStoreFromConfig(config),
  metrics: metrics.with({ worker: config.WORKER_ID }),
  bucket: config.MEDIA_BUCKET,
  controlPlane: httpControlPlane({
    baseUrl: config.LIVE_INGEST_API_URL,
    apiKey: config.LIVE_INGEST_API_KEY,
    workerId: config.WORKER_ID,
    authorizeTimeoutMs: config.LIVE_AUTHORIZE_TIMEOUT_MS,
  }),
  workDir,
  ports: { rtmp: config.LIVE_RTMP_PORT, rtmps: config.LIVE_RTMPS_PORT },
  publicHost,
  ...(tls ? { certFile: tls.certFile, keyFile: tls.keyFile } : {}),
  nginx: config.NGINX_PATH,
  ffmpeg: config.FFMPEG_PATH,
  openssl: config.OPENSSL_PATH,
  preset: config.LIVE_LADDER_PRESET,
  x264Params: config.LIVE_LADDER_X264_PARAMS,
  drainSeconds: config.LIVE_DRAIN_SECONDS,
  log: write,
});

const receiver = createWhipReceiver({
  authorize: agent.whipAuthorize,
  log: write,
  ...(iceHost ? { publicHost: iceHost } : {}),
  ...(config.LIVE_ICE_PORT_MIN !== undefined && config.LIVE_ICE_PORT_MAX !== undefined
    ? {
        port: createWeriftReceiverPort({
          icePortRange: [config.LIVE_ICE_PORT_MIN, config.LIVE_ICE_PORT_MAX],
        }),
      }
    : {}),
  inputTimeoutMs: 5_000,
  workDir,
});
const onWhipRequest = (req: IncomingMessage, res: ServerResponse) => {
  if (agent.draining && req.method === 'POST') {
    res.writeHead(503, { 'content-type': 'application/problem+json', 'retry-after': '5' });
    res.end(JSON.stringify({ title: 'Draining', status: 503, code: 'draining' }));
    return;
  }
  if (req.url?.startsWith('/whip')) {
    void receiver.handle(req, res).catch((error: unknown) => {
      write('error', 'whip request failed', { error });
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
    return;
  }
  res.writeHead(req.url === '/health' ? 200 : 404, { 'content-type': 'text/plain' });
  res.end(req.url === '/health' ? 'ok' : 'not found');
};
const whipServer = tls
  ? createTlsServer({ cert: await readFile(tls.certFile), key: await readFile(tls.keyFile) }, onWhipRequest)
  : createServer(onWhipRequest);

let stopping = false;
async function shutdown(signal: string, code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  write('info', 'draining', { signal });
  try {
    await agent.drain();
    await receiver.close();
    whipServer.close();
    whipServer.closeAllConnections();
  } catch (error) {
    write('error', 'drain failed', { error });
    code = 1;
  }
  await rm(workDir, { recursive: true, force: true }).catch(() => {});
  // The last lags go out before the instance does.
  await metrics.close?.().catch(() => {});
  write('info', 'stopped', { signal });
  process.exit(code);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

try {
  const ports = await agent.start();
  await listen(whipServer, config.LIVE_WHIP_PORT);
  const whipPort = (whipServer.address() as AddressInfo).port;
  agent.nginx?.child.once('exit', () => {
    if (!stopping) void shutdown('nginx-exit', 1);
  });
  log.info('live ingest ready', {
    rtmp: `rtmp://${publicHost}:${ports.rtmp}/live`,
    rtmps: `rtmps://${publicHost}:${ports.rtmps}/live`,
    whip: `${tls ? 'https' : 'http'}://${publicHost}:${whipPort}/whip`,
    worker: config.WORKER_ID,
  });
} catch (error) {
  write('error', 'live ingest could not start', { error });
  await shutdown('start-failed', 1);
}

/** The certificate and key as files: given as files, or PEM values written (0600) into `dir`. */
async function tlsFiles(
  settings: ReturnType<typeof loadLiveIngestConfig>,
  dir: string,
): Promise<{ certFile: string; keyFile: string } | undefined> {
  if (settings.LIVE_TLS_CERT_FILE && settings.LIVE_TLS_KEY_FILE) {
    return { certFile: settings.LIVE_TLS_CERT_FILE, keyFile: settings.LIVE_TLS_KEY_FILE };
  }
  if (!settings.LIVE_TLS_CERT_PEM || !settings.LIVE_TLS_KEY_PEM) return undefined;
  const certFile = join(dir, 'host-cert.pem');
  const keyFile = join(dir, 'host-key.pem');
  await writeFile(certFile, settings.LIVE_TLS_CERT_PEM, { mode: 0o600 });
  await writeFile(keyFile, settings.LIVE_TLS_KEY_PEM, { mode: 0o600 });
  return { certFile, keyFile };
}

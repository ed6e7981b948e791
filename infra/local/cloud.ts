import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ALL_BUCKETS, BUCKETS } from '#events/buckets.ts';
import { ALL_QUEUES } from '#events/queues.ts';
import { rulesFromManifests } from '#events/rules.ts';
import { AUTHORIZER_FUNCTION, catalog } from '#functions/index.ts';
import { parseEdgeTokenKeys } from '#shared/cdn/cdn-from-config.ts';
import { migrate } from '#shared/db/migrations.ts';
import { parseServiceAccount } from '#shared/shows/firebase-token.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { transcoderConfigKeys } from '../../workers/transcoder/config.ts';
import { ensureLiveIngestKey } from './bootstrap.ts';
import { gatewayRoutes, runnerFunctions } from './catalog-runtime.ts';
import { LOCAL_CHAIN_ID, startLocalChain } from './chain.ts';
import { type RunningLocalChatServer, startLocalChatServer } from './chat/server.ts';
import { LOCAL_CLOUD_MARKER } from './child-processes.ts';
import { loadOrCreateCredentials } from './credentials.ts';
import { deployLocalContracts } from './deploy-contracts.ts';
import { startLocalEdge } from './edge/edge.ts';
import { LOCAL_REVOCATION_DICTIONARY_ID } from './edge/revocation-list-api.ts';
import { deadLettersToDatabase, EventRouter } from './event-router.ts';
import { type CallInput, type CallOutcome, FnRunner } from './fn/runner.ts';
import { startGateway } from './gateway/gateway.ts';
import { type RunningLocalIdentity, startLocalIdentity } from './identity/local-identity.ts';
import {
  choosePorts,
  LIVE_INGEST_ENTRY,
  type LiveIngestPorts,
  LiveIngestWorker,
  liveIngestUrls,
} from './live-ingest-worker.ts';
import { startMariaDb } from './mariadb.ts';
import { type RunningMetricsCollector, startMetricsCollector } from './metrics/collector.ts';
import { startPoolControl } from './pool-control.ts';
import { startS3Server } from './s3/server.ts';
import { eventNudges, Scheduler, scheduledCalls } from './scheduler.ts';
import { type StartupStatus, startStartupStatus } from './startup-status.ts';
import { type RunningLocalStripe, startLocalStripe } from './stripe/server.ts';
import { supervise } from './supervise.ts';
import { TranscoderPool } from './transcoder-pool.ts';
import { type RunningLocalWarehouse, startLocalWarehouseServer } from './warehouse/server.ts';
import { startWebServer } from './web/server.ts';

export const LOCAL_REGION = 'local-1';
export const LOCAL_NAMESPACE = 'forgecast';
/** The local edge's service id in Fastly's purge API. */
export const LOCAL_CDN_SERVICE_ID = 'ForgecastLocalEdge';

export interface LocalCloudOptions {
  readonly dataDir: string;
  readonly gatewayPort?: number;
  readonly s3Port?: number;
  readonly chainPort?: number;
  /** The local CDN edge (HLS with tokens, Fastly purge API). */
  readonly edgePort?: number;
  /** The local Stripe API server (Checkout Sessions, refunds, signed webhooks to the gateway). */
  readonly stripePort?: number;
  /** The metrics collector: processes push to it, Prometheus scrapes its /metrics (0 picks a port). */
  readonly metricsPort?: number;
  /** The portal's web server (dist/web + /v1 proxy to the gateway); 0 picks a port. */
  readonly webPort?: number;
  /** The built web app it serves (default dist/web of this checkout). */
  readonly webRoot?: string;
  /** The local OpenID provider people sign in with (IDP_PORT; 0 picks a port). */
  readonly identityPort?: number;
  /** The local chat server (WebSocket for browsers, admin API for functions); 0 picks a port. */
  readonly chatPort?: number;
  /** The local warehouse (DuckDB behind a loopback API for functions); 0 (default) picks a port. */
  readonly warehousePort?: number;
  /**
   * `push` (default): every function process and worker pushes to the collector, as in OCI they
   * post to Monitoring. `none` records nothing (the cost baseline of bench/metrics-overhead.ts).
   */
  readonly metricsBackend?: 'push' | 'none';
  /**
   * Transcoder worker processes (the Container Instances pool): `count` running at start (0 for
   * none), `max` slots the scaler may start, `min` it keeps running (both `count` by default, so
   * the pool stays at `count`). Extra env for tests.
   */
  readonly transcoders?: {
    readonly count?: number;
    readonly min?: number;
    readonly max?: number;
    readonly env?: Readonly<Record<string, string>>;
  };
  /**
   * The live ingest worker (RTMP, RTMPS, WHIP): on unless `enabled: false`; ports 0 (the default)
   * are chosen free. Extra env for tests.
   */
  readonly liveIngest?: {
    readonly enabled?: boolean;
    readonly ports?: Partial<LiveIngestPorts>;
    readonly env?: Readonly<Record<string, string>>;
  };
  /** Config values for every function on top of the platform's (tests: short token lifetimes). */
  readonly functionEnv?: Readonly<Record<string, string>>;
  /** Use this MySQL/MariaDB instead of starting one (MYSQL_URL). */
  readonly mysqlUrl?: string;
  /** Use this JSON-RPC endpoint instead of the embedded chain (CHAIN_RPC_URL, CHAIN_DEPLOYER_KEY, CHAIN_RELAYER_KEY). */
  readonly chain?: { readonly rpcUrl: string; readonly deployerKey: string; readonly relayerKey: string };
  readonly processesPerFunction?: number;
  readonly rateLimit?: { readonly perSecond: number; readonly burst: number };
  readonly authorizerCacheMs?: number;
  readonly eventRetry?: { readonly maxAttempts: number; readonly firstBackoffMs: number };
  /** Scheduled functions: off for tests that fire ticks themselves; per-function periods in ms. */
  readonly schedules?: { readonly autoStart?: boolean; readonly everyMs?: Readonly<Record<string, number>> };
  /** Empty block every so often on the embedded chain (default 1000 ms, like a QBFT block time). */
  readonly blockIntervalMs?: number;
  readonly logLevel?: string;
  readonly log?: (source: string, line: Record<string, unknown> | string) => void;
  /** Aborts the start: what has started is stopped again and the promise rejects with the reason. */
  readonly signal?: AbortSignal;
  /**
   * Start-up steps the caller finishes after this function returns (`npm start`: warm functions,
   * the operator key); health answers 503 naming them until `startup.done(step)` for each.
   */
  readonly startupSteps?: readonly string[];
  /**
   * A dependency died and could not be kept running (MariaDB restarted too often): the caller
   * must stop the cloud. Without it, the failure is only logged.
   */
  readonly onFatal?: (message: string) => void;
}

export interface LocalCloud {
  readonly gatewayUrl: string;
  readonly s3Endpoint: string;
  readonly edgeUrl: string;
  /** The portal: `http://127.0.0.1:<port>`, its origin is PORTAL_ORIGIN. */
  readonly webUrl: string;
  /** The local OpenID provider: its issuer and the seeded people (also in <dataDir>/seeded-people.json). */
  readonly identity: RunningLocalIdentity;
  readonly stripe: RunningLocalStripe;
  /** The show chat: `websocketUrl` is CHAT_WEBSOCKET_URL. */
  readonly chat: RunningLocalChatServer;
  /** The warehouse the dashboards read (BigQuery's stand-in): WAREHOUSE_URL; `warehouse` queries it in process. */
  readonly warehouse: RunningLocalWarehouse;
  readonly chainRpcUrl: string;
  readonly mysqlUrl: string;
  /** Every value a function may be configured with (each gets only its declared keys). */
  readonly platformEnv: Readonly<Record<string, string>>;
  readonly runner: FnRunner;
  readonly events: EventRouter;
  readonly scheduler: Scheduler;
  readonly transcoders: TranscoderPool;
  /** The live ingest agent and its publisher URLs (undefined when `liveIngest.enabled` is false). */
  readonly liveIngest: LiveIngestWorker | undefined;
  /** The local stand-in for OCI Monitoring: `metricsUrl` serves Prometheus text. */
  readonly metrics: RunningMetricsCollector;
  readonly contracts: Readonly<Record<string, string>>;
  /** What is still starting; health is 503 until it is empty. */
  readonly startup: StartupStatus;
  stop(): Promise<void>;
}

/**
 * Starts the whole platform on this machine: database, chain, object storage with events,
 * the Fn runner with every catalog function, and the API Gateway. Stops in reverse order.
 */
export async function startLocalCloud(options: LocalCloudOptions): Promise<LocalCloud> {
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true });
  const log = options.log ?? (() => {});
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.reverse())
      await step().catch((err) => log('cloud', `stop failed: ${String(err)}`));
  };

  const checkpoint = () => options.signal?.throwIfAborted();

  try {
    checkpoint();
    const ownSteps = ['database', 'chain', 'object storage', 'gateway'];
    const startup = await startStartupStatus([...ownSteps, ...(options.startupSteps ?? [])]);
    stops.push(startup.close);
    const credentials = await loadOrCreateCredentials(dataDir);

    let mysqlUrl = options.mysqlUrl;
    if (!mysqlUrl) {
      const mariaDbDir = join(dataDir, 'mariadb');
      let port: number | undefined;
      const db = await supervise({
        name: 'MariaDB',
        // A restart keeps the port: every function's MYSQL_URL names it.
        start: async () => {
          const started = await startMariaDb({
            dataDir: mariaDbDir,
            ...(port !== undefined ? { port } : {}),
            log: (line) => log('mariadb', line),
          });
          port = started.port;
          return started;
        },
        log: (line) => log('cloud', line),
        onGiveUp: (message) => {
          log('cloud', { level: 'error', msg: message });
          options.onFatal?.(message);
        },
      });
      stops.push(db.stop);
      mysqlUrl = db.current().url;
    }
    checkpoint();
    const migration = await migrate(mysqlUrl);
    startup.done('database');
    log('cloud', { msg: 'database migrated', ...migration });

    let chain = options.chain;
    if (!chain) {
      const local = await startLocalChain({
        port: options.chainPort ?? 0,
        blockIntervalMs: options.blockIntervalMs ?? 1000,
        log: (line) => log('chain', line),
      });
      stops.push(local.stop);
      chain = {
        rpcUrl: local.rpcUrl,
        deployerKey: local.privateKeys.deployer,
        relayerKey: local.privateKeys.relayer,
      };
    }
    checkpoint();
    const relayerAddress = await addressOf(chain.relayerKey);
    const contracts = await deployLocalContracts(chain.rpcUrl, chain.deployerKey, relayerAddress);
    startup.done('chain');
    checkpoint();

    let events: EventRouter | undefined;
    const s3 = await startS3Server({
      dataDir: join(dataDir, 'objects'),
      port: options.s3Port ?? 0,
      accessKeyId: credentials.s3AccessKeyId,
      secretAccessKey: credentials.s3SecretAccessKey,
      region: LOCAL_REGION,
      namespace: LOCAL_NAMESPACE,
      buckets: ALL_BUCKETS,
      onObjectEvent: (event) => events?.publish(event),
      onInternalError: (error) => log('s3', { level: 'error', msg: 'internal error', error: String(error) }),
    });
    stops.push(s3.stop);
    startup.done('object storage');

    const edgeTokenKeys = credentials.edgeTokenKeyHex;
    const edge = await startLocalEdge({
      port: options.edgePort ?? 0,
      store: createS3ObjectStore({
        endpoint: s3.endpoint,
        region: LOCAL_REGION,
        accessKeyId: credentials.s3AccessKeyId,
        secretAccessKey: credentials.s3SecretAccessKey,
      }),
      bucket: BUCKETS.media,
      tokenKeys: parseEdgeTokenKeys(edgeTokenKeys),
      serviceId: LOCAL_CDN_SERVICE_ID,
      apiToken: credentials.cdnApiToken,
      log: (line) => log('edge', line),
    });
    stops.push(edge.close);

    const stripe = await startLocalStripe({
      port: options.stripePort ?? 0,
      secretKey: credentials.stripeSecretKey,
      webhookSecret: credentials.stripeWebhookSecret,
      log: (line) => log('stripe', line),
    });
    stops.push(stripe.close);

    const metrics = await startMetricsCollector({
      port: options.metricsPort ?? 0,
      log: (line) => log('metrics', line),
    });
    stops.push(metrics.close);
    // Platform keys (shared/metrics/config.ts), given to every function process and worker; a
    // short flush so a local dashboard follows within seconds.
    const metricsEnv: Record<string, string> =
      options.metricsBackend === 'none'
        ? { METRICS_BACKEND: 'none' }
        : { METRICS_BACKEND: 'push', METRICS_PUSH_URL: metrics.pushUrl, METRICS_FLUSH_SECONDS: '1' };

    // The show chat, before the portal: the portal's CSP names its origin, and it admits
    // browsers from the portal's origin only (known once the portal listens).
    let chatOrigins: readonly string[] = [];
    const chatAdminToken = randomBytes(32).toString('hex');
    const chat = await startLocalChatServer({
      port: options.chatPort ?? 0,
      serviceAccount: parseServiceAccount(credentials.firebaseServiceAccountJson),
      adminToken: chatAdminToken,
      allowedOrigins: () => chatOrigins,
      log: (line) => log('chat', line),
    });
    stops.push(chat.close);

    // The warehouse: DuckDB in this process (one process may own its file), reached by the
    // warehouse loader and the insights function over loopback with a token made at each start.
    const warehouseToken = randomBytes(32).toString('hex');
    const warehouse = await startLocalWarehouseServer({
      databaseFile: join(dataDir, 'warehouse', 'events.duckdb'),
      token: warehouseToken,
      port: options.warehousePort ?? 0,
      log: (line) => log('warehouse', line),
    });
    stops.push(warehouse.close);

    // Chosen now: live-streams hands these URLs to creators, the portal's CSP names the WHIP origin
    // (the studio publishes from the browser), and the agent starts after the gateway.
    const liveIngestEnabled = options.liveIngest?.enabled ?? true;
    const livePorts = await choosePorts({
      rtmp: options.liveIngest?.ports?.rtmp ?? 0,
      rtmps: options.liveIngest?.ports?.rtmps ?? 0,
      whip: options.liveIngest?.ports?.whip ?? 0,
    });
    const liveUrls = liveIngestUrls(livePorts);

    // Listening before the functions start, so its origin can be their PORTAL_ORIGIN; it proxies
    // /v1 to the gateway, which starts last (until then /v1 answers 503 starting).
    let gatewayUrl = '';
    const web = await startWebServer({
      root: options.webRoot ?? fileURLToPath(new URL('../../dist/web/', import.meta.url)),
      gatewayUrl: () => gatewayUrl,
      port: options.webPort ?? 0,
      uploadOrigins: [s3.endpoint],
      mediaOrigins: [edge.url],
      connectOrigins: [chat.websocketUrl, liveUrls.whip],
      log: (line) => log('web', line),
    });
    stops.push(web.close);
    chatOrigins = [new URL(web.url).origin];

    // The OpenID provider, before the functions: the session function discovers it at its first
    // sign-in, and its one client's callback is on the portal's origin.
    const portalOrigin = new URL(web.url).origin;
    const identity = await startLocalIdentity({
      dataDir,
      mysqlUrl,
      portalOrigin,
      port: options.identityPort ?? 0,
      log: (line) => log('identity', line),
    });
    stops.push(identity.close);

    const platformEnv: Record<string, string> = {
      ...identity.functionEnv,
      LIVE_RTMP_URL: liveUrls.rtmp,
      LIVE_RTMPS_URL: liveUrls.rtmps,
      LIVE_WHIP_URL: liveUrls.whip,
      MYSQL_URL: mysqlUrl,
      S3_ENDPOINT: s3.endpoint,
      S3_REGION: LOCAL_REGION,
      S3_ACCESS_KEY_ID: credentials.s3AccessKeyId,
      S3_SECRET_ACCESS_KEY: credentials.s3SecretAccessKey,
      BUCKETS: ALL_BUCKETS.join(','),
      INCOMING_BUCKET: BUCKETS.incomingDesigns,
      VAULT_BUCKET: BUCKETS.vault,
      MEDIA_BUCKET: BUCKETS.media,
      RAW_VIDEO_BUCKET: BUCKETS.rawVideo,
      EDGE_BASE_URL: edge.url,
      EDGE_TOKEN_KEYS: edgeTokenKeys,
      // Purges go through the Fastly adapter to the local edge, which speaks Fastly's purge API.
      CDN_BACKEND: 'fastly',
      FASTLY_API_BASE: edge.url,
      FASTLY_SERVICE_ID: LOCAL_CDN_SERVICE_ID,
      FASTLY_API_TOKEN: credentials.cdnApiToken,
      FASTLY_SERVICE_IDS: LOCAL_CDN_SERVICE_ID,
      // edge-revocations writes revoked playback grants to the local edge's dictionary.
      FASTLY_REVOCATION_DICTIONARY_ID: LOCAL_REVOCATION_DICTIONARY_ID,
      FASTLY_REVOCATION_API_TOKEN: credentials.cdnApiToken,
      TICKET_CODE_KEY: credentials.ticketCodeKeyHex,
      STRIPE_API_BASE: stripe.url,
      STRIPE_SECRET_KEY: credentials.stripeSecretKey,
      STRIPE_WEBHOOK_SECRETS: credentials.stripeWebhookSecret,
      // Pages of the local Stripe server that say what happened (infra/local/stripe/checkout-page.ts).
      CHECKOUT_SUCCESS_URL: `${stripe.url}/checkout/success?session={CHECKOUT_SESSION_ID}`,
      CHECKOUT_CANCEL_URL: `${stripe.url}/checkout/cancelled?show={SHOW_ID}&hold={HOLD_ID}`,
      FIREBASE_SERVICE_ACCOUNT_JSON: credentials.firebaseServiceAccountJson,
      // show-access hands browsers the chat's address; edge-revocations removes revoked tickets' holders.
      CHAT_WEBSOCKET_URL: chat.websocketUrl,
      CHAT_BACKEND: 'local',
      CHAT_ADMIN_URL: chat.url,
      CHAT_ADMIN_TOKEN: chatAdminToken,
      // Domain events: the MariaDB stream (migration 0014) and the warehouse above.
      STREAM_BACKEND: 'mysql',
      WAREHOUSE_BACKEND: 'local',
      WAREHOUSE_URL: warehouse.url,
      WAREHOUSE_TOKEN: warehouseToken,
      // Integrators' receivers run on this machine too (production refuses private addresses).
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      CDN_LOG_SECRET: credentials.cdnLogSecret,
      CDN_VIEWER_SALT: credentials.cdnViewerSalt,
      ANALYTICS_ID_SALT: credentials.analyticsIdSalt,
      KEY_WRAPPER: 'local',
      QUEUES: ALL_QUEUES.join(','),
      CHAIN_RPC_URL: chain.rpcUrl,
      CHAIN_RELAYER_KEY: chain.relayerKey,
      DESIGN_REGISTRY_ADDRESS: contracts.DesignRegistry,
      LICENSE_LEDGER_ADDRESS: contracts.LicenseLedger,
      CHAIN_CONFIRMATIONS: '1',
      ...(options.chain ? {} : { CHAIN_ID: String(LOCAL_CHAIN_ID) }),
      MASTER_KEY_BASE64: credentials.masterKeyBase64,
      LOG_LEVEL: options.logLevel ?? 'info',
      TZ: 'UTC',
      STARTUP_STATUS_URL: startup.url,
      ...options.functionEnv,
    };
    // Not config: marks every process of this cloud, so leftovers of its data folder can be found.
    const processMarker = { [LOCAL_CLOUD_MARKER]: dataDir };

    // Built before the runner: the scaler's config needs the pool control URL. Started last.
    const transcoderCount = options.transcoders?.count ?? 1;
    const transcoders = new TranscoderPool({
      size: transcoderCount,
      maxSize: options.transcoders?.max ?? transcoderCount,
      // Only what the worker reads: the pool never sees the relayer key or the master key.
      env: {
        ...Object.fromEntries(
          [...transcoderConfigKeys, 'LOG_LEVEL', 'TZ', 'PATH'].flatMap((key) => {
            const value = platformEnv[key] ?? process.env[key];
            return value === undefined ? [] : [[key, value]];
          }),
        ),
        ...metricsEnv,
        ...processMarker,
        ...(options.transcoders?.env ?? {}),
      },
      log: (worker, line) => log(worker, line),
    });
    const poolControl = await startPoolControl(transcoders);
    stops.push(poolControl.close);
    platformEnv.POOL_BACKEND = 'local';
    platformEnv.POOL_CONTROL_URL = poolControl.url;
    platformEnv.POOL_MIN = String(options.transcoders?.min ?? transcoderCount);
    platformEnv.POOL_MAX = String(options.transcoders?.max ?? transcoderCount);

    const runner = new NudgingFnRunner(
      runnerFunctions(platformEnv, (fn, _stream, line) => log(`fn:${fn}`, line)).map((fn) => ({
        ...fn,
        env: { ...fn.env, ...metricsEnv, ...processMarker },
      })),
      { processesPerFunction: options.processesPerFunction ?? 2 },
    );
    stops.push(() => runner.close());

    // Dead letters also go to the dead_letters table and the event_dead_letters metric.
    const deadLetters = deadLettersToDatabase(mysqlUrl, metricsEnv);
    stops.push(deadLetters.close);
    events = new EventRouter({
      rules: rulesFromManifests(catalog.map((entry) => entry.manifest)),
      runner,
      dataDir: join(dataDir, 'events'),
      ...(options.eventRetry ?? {}),
      log: (line) => log('events', line),
      onDeadLetter: deadLetters.onDeadLetter,
    });
    const router = events;
    stops.push(() => router.close());
    const resumed = await events.start();
    if (resumed > 0) log('events', { msg: 'resuming spooled deliveries', count: resumed });

    const scheduler = new Scheduler({
      runner,
      calls: scheduledCalls(
        catalog.map((entry) => entry.manifest),
        options.schedules?.everyMs,
      ),
      autoStart: options.schedules?.autoStart ?? true,
      log: (line) => log('scheduler', line),
    });
    stops.push(() => scheduler.close());
    // Every call's end (gateway, event router, scheduler) may nudge the relay or the consumers.
    const nudgesAfter = eventNudges(catalog.map((entry) => entry.manifest));
    runner.onCallEnd = (name, outcome) => {
      for (const target of nudgesAfter(name, outcome)) scheduler.nudge(target);
    };
    scheduler.start();

    checkpoint();
    const gateway = await startGateway({
      runner,
      routes: gatewayRoutes(),
      authorizerFunction: AUTHORIZER_FUNCTION,
      port: options.gatewayPort ?? 0,
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
      ...(options.authorizerCacheMs !== undefined ? { authorizerCacheMs: options.authorizerCacheMs } : {}),
      log: (line) => log('gateway', line),
    });
    stops.push(gateway.close);
    // Known once the gateway listens.
    stripe.setWebhookUrl(`${gateway.url}/webhooks/stripe`);
    gatewayUrl = gateway.url;

    stops.push(() => transcoders.stop());
    transcoders.start();

    let liveIngest: LiveIngestWorker | undefined;
    if (liveIngestEnabled && !existsSync(LIVE_INGEST_ENTRY)) {
      log('cloud', {
        level: 'warn',
        msg: `live ingest is off: no agent at ${LIVE_INGEST_ENTRY} (node scripts/build.ts builds it)`,
      });
    } else if (liveIngestEnabled) {
      checkpoint();
      const ingestKey = await ensureLiveIngestKey(mysqlUrl, dataDir);
      const workDir = join(dataDir, 'live-ingest');
      await mkdir(workDir, { recursive: true });
      // Run as root, the agent drops nginx and ffmpeg to nobody, who must pass through the data
      // folder to reach the agent's own (search permission only: nothing here becomes listable).
      if (process.getuid?.() === 0) {
        for (const dir of [dataDir, workDir]) await chmod(dir, ((await stat(dir)).mode & 0o777) | 0o011);
      }
      // Only what the agent needs: storage for the media bucket and its machine key, no database.
      const agentEnv: Record<string, string> = {
        LIVE_INGEST_API_URL: gateway.url,
        LIVE_INGEST_API_KEY: ingestKey.plaintext,
        S3_ENDPOINT: s3.endpoint,
        S3_REGION: LOCAL_REGION,
        S3_ACCESS_KEY_ID: credentials.s3AccessKeyId,
        S3_SECRET_ACCESS_KEY: credentials.s3SecretAccessKey,
        MEDIA_BUCKET: BUCKETS.media,
        WORKER_ID: 'live-ingest-1',
        LIVE_PUBLIC_HOST: '127.0.0.1',
        WORK_DIR: workDir,
        LOG_LEVEL: options.logLevel ?? 'info',
        TZ: 'UTC',
        ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
        ...metricsEnv,
        ...processMarker,
        ...(options.liveIngest?.env ?? {}),
      };
      const worker = new LiveIngestWorker({
        ports: livePorts,
        env: agentEnv,
        log: (line) => log('live-ingest', line),
      });
      stops.push(() => worker.stop());
      await worker.start();
      liveIngest = worker;
    }
    startup.done('gateway');

    return {
      gatewayUrl: gateway.url,
      s3Endpoint: s3.endpoint,
      edgeUrl: edge.url,
      webUrl: web.url,
      identity,
      stripe,
      chat,
      warehouse,
      chainRpcUrl: chain.rpcUrl,
      mysqlUrl,
      platformEnv,
      runner,
      events,
      scheduler,
      transcoders,
      liveIngest,
      metrics,
      contracts: { ...contracts },
      startup,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The Fn runner, telling the cloud when each call ended (the scheduler's nudges). */
class NudgingFnRunner extends FnRunner {
  onCallEnd: ((name: string, outcome: CallOutcome) => void) | undefined;

  override async call(name: string, input: CallInput): Promise<CallOutcome> {
    const outcome = await super.call(name, input);
    this.onCallEnd?.(name, outcome);
    return outcome;
  }
}

async function addressOf(privateKey: string): Promise<string> {
  const { Wallet } = await import('ethers');
  return new Wallet(privateKey).address;
}

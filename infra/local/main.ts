import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { catalog } from '../../functions/index.ts';
import { ensureOperatorKey } from './bootstrap.ts';
import { startLocalCloud } from './cloud.ts';

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
const verbose = values.verbose || process.env.LOG_LEVEL === 'debug';

function printLog(source: string, line: Record<string, unknown> | string): void {
  let record: Record<string, unknown>;
  if (typeof line === 'string') {
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      record = { msg: line };
    }
  } else record = line;
  const level = String(record.level ?? 'info');
  if (!verbose && (level === 'debug' || (source === 'mariadb' && level === 'info') || source === 'chain'))
    return;
  const { msg, level: _l, time: _t, ...rest } = record;
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  const write = level === 'error' || level === 'warn' ? console.error : console.log;
  write(`[${source}] ${level === 'info' ? '' : `${level.toUpperCase()} `}${String(msg ?? '')}${extra}`);
}

const started = performance.now();
console.log(`forgecast local cloud: starting (data in ${dataDir})`);
const cloud = await startLocalCloud({
  dataDir,
  gatewayPort: port('GATEWAY_PORT', 8080),
  s3Port: port('S3_PORT', 9000),
  chainPort: port('CHAIN_PORT', 8545),
  edgePort: port('EDGE_PORT', 8081),
  stripePort: port('STRIPE_PORT', 12111),
  metricsPort: port('METRICS_PORT', 9464),
  transcoders: {
    count: port('TRANSCODER_WORKERS', 1),
    // The scaler moves the pool between these (both TRANSCODER_WORKERS unless set).
    min: port('TRANSCODER_MIN_WORKERS', port('TRANSCODER_WORKERS', 1)),
    max: port('TRANSCODER_MAX_WORKERS', port('TRANSCODER_WORKERS', 1)),
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
});
await cloud.runner.warmAll();
const operator = await ensureOperatorKey(cloud.mysqlUrl, dataDir);

console.log(`
forgecast is ready in ${Math.round(performance.now() - started)} ms
  API gateway      ${cloud.gatewayUrl}        (try: curl ${cloud.gatewayUrl}/health)
  object storage   ${cloud.s3Endpoint}          (S3 API, path style; credentials in ${dataDir}/local-credentials.json)
  CDN edge         ${cloud.edgeUrl}          (HLS behind tokens; playback URLs come from GET /v1/videos/{id})
  Stripe (local)   ${cloud.stripe.url}         (Checkout Sessions and refunds; webhooks signed to /v1/webhooks/stripe)
  metrics          ${cloud.metrics.metricsUrl}  (Prometheus text; infra/local/grafana/ has a scrape config and a dashboard)
  transcoders      ${cloud.transcoders.workers.length} worker process(es) (TRANSCODER_WORKERS; the scaler keeps TRANSCODER_MIN_WORKERS..TRANSCODER_MAX_WORKERS)
  chain JSON-RPC   ${cloud.chainRpcUrl}
  database         ${cloud.mysqlUrl.replace(/\/\/[^@]*@/, '//…@')}
  functions        ${catalog.map((e) => e.manifest.name).join(', ')}
  operator API key ${operator.created ? 'created: ' : ''}${operator.file}
Ctrl-C stops everything; data stays in ${dataDir} (npm run reset wipes it).
`);

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping…`);
  await cloud.stop();
  console.log('stopped cleanly');
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));

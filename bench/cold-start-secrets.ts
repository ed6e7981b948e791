import { randomBytes } from 'node:crypto';
import { FUNCTION_ENTRY } from '../infra/local/catalog-runtime.ts';
import { fnHttpHeaders } from '../infra/local/fn/http-intent.ts';
import { FnRunner, type RunnerFunction } from '../infra/local/fn/runner.ts';
import { startFakeOciSecrets } from '../test/support/fake-oci-secrets.ts';
import { testResourcePrincipal } from '../test/support/oci-resource-principal.ts';
import { median, round } from './lib/stats.ts';

const SAMPLES = Number(process.env.BENCH_COLD_SAMPLES ?? 9);
const FUNCTION = 'cdn-logs';
/** Its three secret keys; the database is never reached by the first call. */
const SECRETS = {
  MYSQL_URL: 'mysql://forgecast:unused@127.0.0.1:9/forgecast',
  CDN_LOG_SECRET: randomBytes(32).toString('hex'),
  CDN_VIEWER_SALT: randomBytes(32).toString('hex'),
};
/** Answered from config alone: the cold start ends when the handler has loaded and answers. */
const FIRST_CALL = {
  headers: fnHttpHeaders('GET', '/v1/.well-known/fastly/logging/challenge', {}),
  body: Buffer.alloc(0),
};

function bundled(env: Record<string, string>): RunnerFunction {
  return {
    name: FUNCTION,
    command: process.execPath,
    args: [FUNCTION_ENTRY],
    env: { FORGECAST_FUNCTION: FUNCTION, LOG_LEVEL: 'warn', FASTLY_SERVICE_IDS: '*', ...env },
    memoryMb: 256,
    timeoutSeconds: 30,
  };
}

async function coldStartMs(fn: RunnerFunction): Promise<number> {
  const runner = new FnRunner([fn], { processesPerFunction: 1 });
  try {
    const started = performance.now();
    const outcome = await runner.call(fn.name, FIRST_CALL);
    const elapsed = performance.now() - started;
    if (outcome.kind !== 'ok') throw new Error(`${fn.name}: first call ${JSON.stringify(outcome)}`);
    return elapsed;
  } finally {
    await runner.close();
  }
}

/**
 * The bundled cdn-logs function cold-started by the real FDK with its three secrets as Vault
 * references (resolved through a resource principal against the signature-checking Secrets fake
 * on loopback) vs the same function with the values in plain env; samples interleaved.
 */
export async function benchColdStartSecrets(): Promise<Record<string, unknown>> {
  const principal = testResourcePrincipal();
  const fake = await startFakeOciSecrets({ keys: principal.keys });
  try {
    const references: Record<string, string> = {};
    for (const [key, value] of Object.entries(SECRETS)) {
      const ocid = `ocid1.vaultsecret.oc1.phx.amaaaaaa${key.toLowerCase().replaceAll('_', '')}`;
      fake.putSecret(ocid, value);
      references[`${key}_SECRET_OCID`] = ocid;
    }
    const plain = bundled(SECRETS);
    const vault = bundled({ ...principal.env, OCI_SECRETS_ENDPOINT: fake.endpoint, ...references });

    await coldStartMs(plain); // page cache, bundle chunks
    await coldStartMs(vault);
    const fetchesBefore = fake.requests.length;
    const samples = { plain: [] as number[], vault: [] as number[] };
    for (let i = 0; i < SAMPLES; i += 1) {
      samples.plain.push(await coldStartMs(plain));
      samples.vault.push(await coldStartMs(vault));
    }
    const plainMs = median(samples.plain);
    const vaultMs = median(samples.vault);
    return {
      function: `${FUNCTION} (bundled, real FDK), first call GET /v1/.well-known/fastly/logging/challenge`,
      samples: SAMPLES,
      'plain env values (baseline)': { medianMs: round(plainMs, 1) },
      '3 Vault references + resource principal': { medianMs: round(vaultMs, 1) },
      addedMs: round(vaultMs - plainMs, 1),
      ratio: round(vaultMs / plainMs, 2),
      secretFetchesPerColdStart: (fake.requests.length - fetchesBefore) / SAMPLES,
      rejectedRequests: fake.rejectedRequests,
    };
  } finally {
    await fake.close();
  }
}

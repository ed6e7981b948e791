import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConfigError } from '#shared/errors.ts';
import { createOciSecretFetcher } from '#shared/secrets/oci-secret-fetcher.ts';
import { resolveSecretReferences } from '#shared/secrets/secret-references.ts';
import { bundledFunction } from '#test/support/bundle.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { type FakeOciSecrets, startFakeOciSecrets } from '#test/support/fake-oci-secrets.ts';
import { testResourcePrincipal } from '#test/support/oci-resource-principal.ts';
import { rsaKeyPair, TEST_SIGNING_KEY_ID, testAuthProvider } from '#test/support/oci-test-auth.ts';
import { clientResponseOf, fnHttpHeaders } from '../../../../infra/local/fn/http-intent.ts';
import { type CallOutcome, FnRunner } from '../../../../infra/local/fn/runner.ts';
import { TRANSCODER_ENTRY } from '../../../../infra/local/transcoder-pool.ts';

const secretOcid = (name: string) =>
  `ocid1.vaultsecret.oc1.phx.amaaaaaa${name}${randomBytes(4).toString('hex')}`;

describe('Function: createOciSecretFetcher (against the fake OCI Secrets endpoint)', () => {
  const registered = rsaKeyPair();
  let fake: FakeOciSecrets;

  beforeAll(async () => {
    fake = await startFakeOciSecrets({ keys: { [TEST_SIGNING_KEY_ID]: registered.publicKey } });
  });
  afterAll(async () => {
    await fake?.close();
  });

  it('reads the CURRENT version through a signed GET and decodes its base64 content', async () => {
    // Prepare
    const id = secretOcid('stripe');
    fake.putSecret(id, 'sk_test_old');
    fake.putSecret(id, 'sk_test_ünïcødé,second');
    const fetcher = await createOciSecretFetcher({
      authenticationDetailsProvider: testAuthProvider(registered.privateKey),
      endpoint: `${fake.endpoint}/`,
    });

    // Act
    const content = await fetcher(id);

    // Assess
    expect(content).toBe('sk_test_ünïcødé,second');
    expect(fake.requests.at(-1)).toEqual({ secretId: id, query: '?stage=CURRENT' });
    expect(fake.rejectedRequests).toBe(0);
  });

  it('turns a missing secret into a ConfigError naming the key, through the resolver', async () => {
    const fetcher = await createOciSecretFetcher({
      authenticationDetailsProvider: testAuthProvider(registered.privateKey),
      endpoint: fake.endpoint,
    });
    const env: Record<string, string | undefined> = { FASTLY_API_TOKEN_SECRET_OCID: secretOcid('absent') };

    const error = await resolveSecretReferences(env, fetcher).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('FASTLY_API_TOKEN');
    expect((error as ConfigError).message).toContain('HTTP 404 NotAuthorizedOrNotFound');
    expect(env.FASTLY_API_TOKEN).toBeUndefined();
  });

  it('is refused with 401 when signed by an unregistered key', async () => {
    const id = secretOcid('forged');
    fake.putSecret(id, 'value');
    const fetcher = await createOciSecretFetcher({
      authenticationDetailsProvider: testAuthProvider(rsaKeyPair().privateKey),
      endpoint: fake.endpoint,
    });
    const before = fake.rejectedRequests;

    await expect(fetcher(id)).rejects.toMatchObject({ statusCode: 401, serviceCode: 'NotAuthenticated' });
    expect(fake.rejectedRequests).toBe(before + 1);
  });
});

/**
 * The bundled cdn-logs function started by the real FDK with its database URL, log secret and
 * viewer salt given only as Vault references: the cold start resolves them with a resource
 * principal (RPST + session key, as OCI Functions injects them) before the handler reads config.
 */
describe('Cold start: a bundled function with Vault references', () => {
  const principal = testResourcePrincipal();
  const logSecret = randomBytes(32).toString('hex');
  let fake: FakeOciSecrets;
  let db: TestDatabase;
  let runner: FnRunner;
  const stderr: string[] = [];

  const ingest = (name: string, secret: string) =>
    runner.call(name, {
      headers: fnHttpHeaders('POST', '/v1/cdn-logs', {
        'content-type': 'application/json',
        'x-log-secret': secret,
      }),
      body: Buffer.from(
        `${JSON.stringify({
          timestamp: '2030-03-04T10:00:00+0000',
          client_ip: '198.51.100.7',
          method: 'GET',
          url: '/favicon.ico',
          status: 200,
          bytes: 10,
          user_agent: 'curl/8',
          service_id: 'SU1Z0isxPaozGVKXdv0eY',
        })}\n`,
      ),
    });

  const statusOf = (outcome: CallOutcome) => {
    if (outcome.kind !== 'ok' && outcome.kind !== 'failed') throw new Error(JSON.stringify(outcome));
    return clientResponseOf(outcome.reply).status;
  };

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'vault_secrets');
    fake = await startFakeOciSecrets({ keys: principal.keys });
    const references = {
      MYSQL_URL_SECRET_OCID: secretOcid('mysql'),
      CDN_LOG_SECRET_SECRET_OCID: secretOcid('log'),
      CDN_VIEWER_SALT_SECRET_OCID: secretOcid('salt'),
    };
    fake.putSecret(references.MYSQL_URL_SECRET_OCID, db.url);
    fake.putSecret(references.CDN_LOG_SECRET_SECRET_OCID, logSecret);
    fake.putSecret(references.CDN_VIEWER_SALT_SECRET_OCID, randomBytes(32).toString('hex'));
    const common = {
      ...principal.env,
      OCI_SECRETS_ENDPOINT: fake.endpoint,
      FASTLY_SERVICE_IDS: '*',
    };
    runner = new FnRunner(
      [
        bundledFunction('cdn-logs', { ...common, ...references }),
        {
          ...bundledFunction('cdn-logs', {
            ...common,
            ...references,
            CDN_LOG_SECRET_SECRET_OCID: secretOcid('deleted'),
          }),
          name: 'cdn-logs-missing-secret',
          onLog: (_stream, line) => stderr.push(line),
        },
      ],
      { processesPerFunction: 1 },
    );
  });
  afterAll(async () => {
    await runner?.close();
    await fake?.close();
    await db?.drop();
  });

  it('serves with the values read from Vault: the right log secret is accepted and the batch is stored', async () => {
    // Act
    const accepted = await ingest('cdn-logs', logSecret);
    const refused = await ingest('cdn-logs', randomBytes(32).toString('hex'));

    // Assess
    expect(statusOf(accepted)).toBe(200);
    expect(statusOf(refused)).toBe(401);
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM cdn_log_batches');
    expect(Number(rows[0]?.n)).toBe(1);
    const fetched = fake.requests.map((request) => request.query);
    expect(fetched).toEqual(['?stage=CURRENT', '?stage=CURRENT', '?stage=CURRENT']);
    expect(fake.rejectedRequests).toBe(0);
  });

  it('refuses to start (exit 78) when a secret cannot be read, naming the key and never a value', async () => {
    const outcome = await ingest('cdn-logs-missing-secret', logSecret);

    expect(outcome.kind).toBe('start-failed');
    expect(outcome.kind === 'start-failed' ? outcome.detail : '').toContain('code 78');
    const logged = stderr.join('\n');
    expect(logged).toContain('CDN_LOG_SECRET could not be read from OCI Vault');
    expect(logged).toContain('NotAuthorizedOrNotFound');
    expect(logged).not.toContain(logSecret);
    expect(logged).not.toContain(db.url);
  });
});

describe('Cold start: the bundled transcoder worker with a Vault reference', () => {
  it('exits 78 before reading its config when no resource principal is available, naming the key', async () => {
    // Act: no OCI_RESOURCE_PRINCIPAL_* in the environment, as on a machine outside OCI
    const result = await promisify(execFile)(process.execPath, [TRANSCODER_ENTRY], {
      env: { PATH: process.env.PATH ?? '', MYSQL_URL_SECRET_OCID: secretOcid('mysql') },
      timeout: 20_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
    );

    // Assess: the secret problem, not "MYSQL_URL is required" from the config that never ran
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('Vault references (MYSQL_URL) need a resource principal');
    expect(result.stderr).not.toContain('Invalid configuration');
  });
});

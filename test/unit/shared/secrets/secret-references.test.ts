import { describe, expect, it } from 'vitest';
import { ConfigError } from '#shared/errors.ts';
import {
  findSecretReferences,
  resolveSecretReferences,
  type SecretFetcher,
} from '#shared/secrets/secret-references.ts';

const ocid = (name: string) => `ocid1.vaultsecret.oc1.phx.amaaaaaa${name}`;

/** A fetcher over a map, recording calls and the most fetches it saw in flight at once. */
function mapFetcher(secrets: Record<string, string>) {
  const calls: string[] = [];
  let inFlight = 0;
  let peak = 0;
  const fetcher: SecretFetcher = async (secretOcid) => {
    calls.push(secretOcid);
    inFlight += 1;
    peak = Math.max(peak, inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    inFlight -= 1;
    const value = secrets[secretOcid];
    if (value === undefined) throw Object.assign(new Error(`no ${secretOcid}`), { statusCode: 404 });
    return value;
  };
  return { fetcher, calls, peak: () => peak };
}

async function configErrorOf(work: () => Promise<unknown>): Promise<ConfigError> {
  const error = await work().then(
    () => undefined,
    (err: unknown) => err,
  );
  if (error instanceof ConfigError) return error;
  throw new Error(`expected a ConfigError, got ${String(error)}`);
}

describe('Function: findSecretReferences', () => {
  it('finds the references of known secret keys and skips blank ones', () => {
    const references = findSecretReferences({
      STRIPE_SECRET_KEY_SECRET_OCID: ocid('stripe'),
      MYSQL_URL_SECRET_OCID: `  ${ocid('mysql')} `,
      CDN_LOG_SECRET_SECRET_OCID: '  ',
      PATH: '/usr/bin',
    });

    expect(references).toEqual([
      { key: 'STRIPE_SECRET_KEY', ocidVariable: 'STRIPE_SECRET_KEY_SECRET_OCID', secretOcid: ocid('stripe') },
      { key: 'MYSQL_URL', ocidVariable: 'MYSQL_URL_SECRET_OCID', secretOcid: ocid('mysql') },
    ]);
  });

  it('refuses a reference for a key that is not a secret config key (a typo stays loud)', async () => {
    const error = await configErrorOf(async () =>
      findSecretReferences({ STRIPE_SECRET_KEYS_SECRET_OCID: ocid('typo') }),
    );

    expect(error.variables).toEqual(['STRIPE_SECRET_KEYS_SECRET_OCID']);
  });

  it('refuses a key set both directly and by reference', async () => {
    const error = await configErrorOf(async () =>
      findSecretReferences({ TICKET_CODE_KEY: 'plain', TICKET_CODE_KEY_SECRET_OCID: ocid('ticket') }),
    );

    expect(error.variables).toEqual(['TICKET_CODE_KEY', 'TICKET_CODE_KEY_SECRET_OCID']);
    expect(error.message).not.toContain('plain');
  });

  it('refuses a value that is not a Vault secret OCID', async () => {
    const error = await configErrorOf(async () =>
      findSecretReferences({ CDN_VIEWER_SALT_SECRET_OCID: 'ocid1.key.oc1.phx.abc.def' }),
    );

    expect(error.variables).toEqual(['CDN_VIEWER_SALT_SECRET_OCID']);
  });
});

describe('Function: resolveSecretReferences', () => {
  it('writes each fetched secret to its key and leaves other variables alone', async () => {
    // Prepare
    const env: Record<string, string | undefined> = {
      STRIPE_WEBHOOK_SECRETS_SECRET_OCID: ocid('webhook'),
      FASTLY_API_TOKEN_SECRET_OCID: ocid('fastly'),
      LOG_LEVEL: 'info',
    };
    const { fetcher, calls } = mapFetcher({ [ocid('webhook')]: 'whsec_a,whsec_b', [ocid('fastly')]: 'tok' });

    // Act
    const resolved = await resolveSecretReferences(env, fetcher);

    // Assess
    expect(resolved).toEqual(['STRIPE_WEBHOOK_SECRETS', 'FASTLY_API_TOKEN']);
    expect(env.STRIPE_WEBHOOK_SECRETS).toBe('whsec_a,whsec_b');
    expect(env.FASTLY_API_TOKEN).toBe('tok');
    expect(env.LOG_LEVEL).toBe('info');
    expect(calls.sort()).toEqual([ocid('fastly'), ocid('webhook')]);
  });

  it('fetches in parallel, never more than the bound at once', async () => {
    const keys = [
      'MYSQL_URL',
      'S3_SECRET_ACCESS_KEY',
      'CHAIN_RELAYER_KEY',
      'STRIPE_SECRET_KEY',
      'TICKET_CODE_KEY',
    ];
    const env = Object.fromEntries(keys.map((key) => [`${key}_SECRET_OCID`, ocid(key.toLowerCase())]));
    const { fetcher, peak } = mapFetcher(
      Object.fromEntries(keys.map((key) => [ocid(key.toLowerCase()), `value of ${key}`])),
    );

    await resolveSecretReferences(env, fetcher, { concurrency: 2 });

    expect(peak()).toBe(2);
    for (const key of keys) expect(env[key]).toBe(`value of ${key}`);
  });

  it('does nothing without references', async () => {
    const env = { MYSQL_URL: 'mysql://local' };
    const { fetcher, calls } = mapFetcher({});

    expect(await resolveSecretReferences(env, fetcher)).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('names the key (not the value) when a fetch fails, and sets nothing', async () => {
    // Prepare
    const env: Record<string, string | undefined> = {
      STRIPE_SECRET_KEY_SECRET_OCID: ocid('stripe'),
      CDN_LOG_SECRET_SECRET_OCID: ocid('missing'),
    };
    const { fetcher } = mapFetcher({ [ocid('stripe')]: 'sk_live_never_printed' });

    // Act
    const error = await configErrorOf(() => resolveSecretReferences(env, fetcher));

    // Assess
    expect(error.variables).toEqual(['CDN_LOG_SECRET', 'CDN_LOG_SECRET_SECRET_OCID']);
    expect(error.message).toContain('CDN_LOG_SECRET');
    expect(error.message).toContain('HTTP 404');
    expect(error.message).not.toContain('sk_live_never_printed');
    expect(env.STRIPE_SECRET_KEY).toBeUndefined();
  });

  it('refuses an empty secret', async () => {
    const env = { EDGE_TOKEN_KEYS_SECRET_OCID: ocid('edge') };
    const { fetcher } = mapFetcher({ [ocid('edge')]: '  ' });

    const error = await configErrorOf(() => resolveSecretReferences(env, fetcher));

    expect(error.variables).toContain('EDGE_TOKEN_KEYS');
  });
});

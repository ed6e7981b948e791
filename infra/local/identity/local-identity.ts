import { createPool } from '#shared/db/pool.ts';
import { loadOrCreateIdentityCredentials } from './credentials.ts';
import { startIdentityProvider } from './provider.ts';
import { type SeededPerson, seedPeople } from './seed.ts';

/** The session function's client id at the local provider. */
export const LOCAL_OIDC_CLIENT_ID = 'forgecast-portal';

export interface RunningLocalIdentity {
  readonly issuer: string;
  /** Config for the functions: the session function's OIDC settings and the portal origin. */
  readonly functionEnv: Readonly<Record<string, string>>;
  readonly seededPeople: readonly SeededPerson[];
  readonly seededPeopleFile: string;
  readonly seededPassword: string;
  close(): Promise<void>;
}

/**
 * The local cloud's identity: the OpenID provider on loopback with its credentials from the data
 * folder, and the seeded organisations and people (one per role).
 */
export async function startLocalIdentity(options: {
  readonly dataDir: string;
  readonly mysqlUrl: string;
  readonly portalOrigin: string;
  readonly port?: number;
  readonly log?: (line: Record<string, unknown>) => void;
}): Promise<RunningLocalIdentity> {
  const credentials = await loadOrCreateIdentityCredentials(options.dataDir);
  const pool = createPool(options.mysqlUrl, { connectionLimit: 2 });
  try {
    const provider = await startIdentityProvider({
      pool,
      credentials,
      client: {
        clientId: LOCAL_OIDC_CLIENT_ID,
        redirectUris: [`${options.portalOrigin}/v1/session/callback`],
        postLogoutRedirectUris: [`${options.portalOrigin}/`],
      },
      port: options.port ?? 0,
      ...(options.log ? { log: options.log } : {}),
    });
    const seeded = await seedPeople(pool, provider.issuer, credentials.seededPassword, options.dataDir).catch(
      async (err: unknown) => {
        await provider.close();
        throw err;
      },
    );
    return {
      issuer: provider.issuer,
      functionEnv: {
        PORTAL_ORIGIN: options.portalOrigin,
        OIDC_ISSUER_URL: provider.issuer,
        OIDC_CLIENT_ID: LOCAL_OIDC_CLIENT_ID,
        OIDC_CLIENT_SECRET: credentials.clientSecret,
      },
      seededPeople: seeded.people,
      seededPeopleFile: seeded.file,
      seededPassword: credentials.seededPassword,
      close: async () => {
        await provider.close();
        await pool.end();
      },
    };
  } catch (err) {
    await pool.end();
    throw err;
  }
}

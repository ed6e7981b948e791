import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Secrets of the local OpenID provider, made on first start and kept (mode 0600) in the data
 * folder beside local-credentials.json, so a restart keeps signed-in browsers, the session
 * function's client secret and the seeded people's password.
 */
export interface IdentityCredentials {
  /** The `session` function's client secret (OCI: the identity domain app's secret, in Vault). */
  readonly clientSecret: string;
  /** Keys the provider signs its own cookies with. */
  readonly cookieKeys: readonly string[];
  /** The ID token signing key (RS256), as a private JWK. */
  readonly signingJwk: Readonly<Record<string, unknown>>;
  /** The one password every seeded person signs in with (printed in the banner). */
  readonly seededPassword: string;
}

export async function loadOrCreateIdentityCredentials(dataDir: string): Promise<IdentityCredentials> {
  const file = join(dataDir, 'identity-credentials.json');
  let stored: Partial<IdentityCredentials> | undefined;
  try {
    stored = JSON.parse(await readFile(file, 'utf8')) as Partial<IdentityCredentials>;
  } catch {
    stored = undefined;
  }
  const complete: IdentityCredentials = {
    clientSecret: stored?.clientSecret ?? randomBytes(32).toString('base64url'),
    cookieKeys: stored?.cookieKeys ?? [randomBytes(32).toString('base64url')],
    signingJwk: stored?.signingJwk ?? newSigningJwk(),
    // Readable enough to type: 'forgecast-' and 12 random letters and digits.
    seededPassword: stored?.seededPassword ?? `forgecast-${randomBytes(9).toString('base64url')}`,
  };
  if (!stored || Object.keys(complete).some((key) => !(key in stored))) {
    await writeFile(file, JSON.stringify(complete, null, 2), { mode: 0o600 });
  }
  return complete;
}

function newSigningJwk(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  };
}

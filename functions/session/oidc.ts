import * as client from 'openid-client';
import { z } from 'zod';
import { lazyOnce } from '#shared/base/lazy.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';
import { SignInFailedError } from './errors.ts';

/** The OpenID provider as the session function uses it (openid-client 6). */
export interface SignInStart {
  readonly url: URL;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export interface SignedInIdentity {
  readonly issuer: string;
  readonly subject: string;
  readonly email: string;
  readonly emailVerified: boolean;
  readonly name: string;
  readonly locale: string | null;
}

export interface OidcSettings {
  readonly issuerUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
}

const DISCOVERY_TIMEOUT_MS = 10_000;
/** Discovery documents are a few KB; an identity domain's is under 10 KB. */
const MAX_DISCOVERY_BYTES = 256 * 1024;

const discoveryDocumentSchema = z.looseObject({
  issuer: z.url(),
  authorization_endpoint: z.url(),
  token_endpoint: z.url(),
  jwks_uri: z.url(),
});

/** A provider is reached over plain http only on this machine (the local provider). */
function isLoopback(url: URL): boolean {
  return url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
}

export class OidcClient {
  private readonly settings: OidcSettings;

  constructor(settings: OidcSettings) {
    this.settings = settings;
  }

  /**
   * Discovery once per instance; a failed discovery is forgotten, so the next call tries again.
   * The document is read from `<issuerUrl>/.well-known/openid-configuration` and its own
   * `issuer` is the one ID tokens are held to: an OCI identity domain publishes its document at
   * the domain URL but names `https://identity.oraclecloud.com/` as issuer, which openid-client's
   * own discovery refuses as a mismatch.
   */
  private readonly discovered = lazyOnce(() =>
    this.discover().catch((err: unknown) => {
      throw new DependencyUnavailableError('The identity provider could not be reached', { cause: err });
    }),
  );

  private async discover(): Promise<client.Configuration> {
    const base = new URL(this.settings.issuerUrl);
    const insecure = base.protocol === 'http:' && isLoopback(base);
    if (base.protocol !== 'https:' && !insecure)
      throw new Error('The identity provider must be reached over https');
    const url = new URL('.well-known/openid-configuration', base.href.endsWith('/') ? base : `${base.href}/`);
    const response = await fetch(url, {
      redirect: 'error',
      signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error(`The discovery document answered ${response.status}`);
    const declared = Number(response.headers.get('content-length') ?? 0);
    if (declared > MAX_DISCOVERY_BYTES) throw new Error('The discovery document is too large');
    const text = await response.text();
    if (text.length > MAX_DISCOVERY_BYTES) throw new Error('The discovery document is too large');
    const metadata = discoveryDocumentSchema.parse(JSON.parse(text)) as client.ServerMetadata;
    const configuration = new client.Configuration(
      metadata,
      this.settings.clientId,
      undefined,
      client.ClientSecretBasic(this.settings.clientSecret),
    );
    if (insecure) client.allowInsecureRequests(configuration);
    return configuration;
  }

  /** Where to send the browser: code flow with PKCE (S256), state and nonce. */
  async start(options: { register?: boolean } = {}): Promise<SignInStart> {
    const configuration = await this.discovered();
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: this.settings.redirectUri,
      scope: 'openid email profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      ...(options.register ? { prompt: 'create' } : {}),
    });
    return { url, state, nonce, codeVerifier };
  }

  /**
   * Redeems the code the callback carries: openid-client checks the state, the issuer, the PKCE
   * verifier (at the token endpoint) and the ID token (signature, audience, expiry, nonce).
   */
  async finish(
    callbackQuery: URLSearchParams,
    expected: { state: string; nonce: string; codeVerifier: string },
  ): Promise<SignedInIdentity> {
    const configuration = await this.discovered();
    const currentUrl = new URL(this.settings.redirectUri);
    currentUrl.search = callbackQuery.toString();
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(configuration, currentUrl, {
        pkceCodeVerifier: expected.codeVerifier,
        expectedState: expected.state,
        expectedNonce: expected.nonce,
        idTokenExpected: true,
      });
    } catch (err) {
      // fetch() failing is the provider being down, not a refused sign-in.
      if (err instanceof TypeError) {
        throw new DependencyUnavailableError('The identity provider could not be reached', { cause: err });
      }
      throw new SignInFailedError('The identity provider did not confirm this sign-in.', { cause: err });
    }
    const claims = tokens.claims();
    if (!claims) throw new SignInFailedError('The identity provider sent no ID token.');
    const email = typeof claims.email === 'string' ? claims.email : undefined;
    if (!email) throw new SignInFailedError('The identity provider did not share an email address.');
    const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : email;
    return {
      issuer: claims.iss,
      subject: claims.sub,
      email,
      emailVerified: claims.email_verified === true,
      name: name.slice(0, 200),
      locale: typeof claims.locale === 'string' ? claims.locale.slice(0, 16) : null,
    };
  }
}

import http from 'node:http';
import Provider, { interactionPolicy, type ProviderContext } from 'oidc-provider';
import type { DbPool } from '#shared/db/pool.ts';
import {
  createLocalAccount,
  EmailTakenError,
  findLocalAccount,
  findLocalAccountByEmail,
  hashPassword,
  passwordMatches,
} from '#shared/people/local-identity-accounts.ts';
import { listen } from '../listen.ts';
import type { IdentityCredentials } from './credentials.ts';
import { LocalMemoryAdapter } from './memory-adapter.ts';
import { type Language, type MessageKey, pickLanguage, signInPage, signUpPage } from './pages.ts';

export interface IdentityProviderOptions {
  readonly pool: DbPool;
  readonly credentials: IdentityCredentials;
  /** The one confidential client: the `session` function. */
  readonly client: {
    readonly clientId: string;
    readonly redirectUris: readonly string[];
    readonly postLogoutRedirectUris?: readonly string[];
  };
  readonly port?: number;
  readonly host?: string;
  readonly log?: (line: Record<string, unknown>) => void;
}

export interface RunningIdentityProvider {
  readonly issuer: string;
  readonly port: number;
  close(): Promise<void>;
}

/** Form bodies of the two pages are a few short fields; anything larger is not ours. */
const MAX_FORM_BYTES = 16 * 1024;
const MIN_PASSWORD_LENGTH = 10;

/**
 * The local OpenID provider (oidc-provider 9) on loopback: authorization code flow with PKCE
 * required, one confidential client, people from `local_identity_accounts` (MariaDB, scrypt),
 * sign-in and viewer sign-up (`prompt=create`) pages of its own. Consent is implied: the only
 * client is the platform's own portal.
 */
export async function startIdentityProvider(
  options: IdentityProviderOptions,
): Promise<RunningIdentityProvider> {
  const host = options.host ?? '127.0.0.1';
  let handle: http.RequestListener = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = http.createServer((req, res) => handle(req, res));
  const { port } = await listen(server, options.port ?? 0, host, 'the OpenID provider');
  const issuer = `http://${host}:${port}`;
  const { pool } = options;

  const policy = interactionPolicy.base();
  // Asked for with prompt=create (OpenID Connect "Initiating User Registration"): the sign-up page.
  policy.add(new interactionPolicy.Prompt({ name: 'create', requestable: true }), 0);

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.client.clientId,
        client_secret: options.credentials.clientSecret,
        redirect_uris: [...options.client.redirectUris],
        post_logout_redirect_uris: [...(options.client.postLogoutRedirectUris ?? [])],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    adapter: LocalMemoryAdapter,
    pkce: { required: () => true },
    // Lifetimes in seconds: a sign-in page stays valid 30 min, codes 1 min, the provider's own
    // session 12 h (as the portal's), tokens 10 min (the session function uses the ID token once).
    ttl: {
      Interaction: 30 * 60,
      AuthorizationCode: 60,
      Session: 12 * 3600,
      Grant: 12 * 3600,
      AccessToken: 10 * 60,
      IdToken: 10 * 60,
    },
    jwks: { keys: [options.credentials.signingJwk] },
    cookies: { keys: [...options.credentials.cookieKeys] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'locale'] },
    // The session function reads who signed in from the ID token alone (no userinfo round trip).
    conformIdTokenClaims: false,
    scopes: ['openid', 'email', 'profile'],
    responseTypes: ['code'],
    interactions: {
      policy,
      url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
    },
    findAccount: async (_ctx: unknown, subject: string) => {
      const account = await findLocalAccount(pool, subject);
      if (!account) return undefined;
      return {
        accountId: account.subject,
        claims: async () => ({
          sub: account.subject,
          email: account.email,
          // Local accounts are the developer's own; nothing is mailed, so every email counts as verified.
          email_verified: true,
          name: account.name,
          ...(account.locale ? { locale: account.locale } : {}),
        }),
      };
    },
    loadExistingGrant: async (ctx: ProviderContext) => {
      const { oidc } = ctx;
      const clientId = oidc.client?.clientId;
      const accountId = oidc.session?.accountId;
      if (!clientId || !accountId) return undefined;
      const grantId = oidc.result?.consent?.grantId ?? oidc.session?.grantIdFor(clientId);
      if (grantId) {
        const found = await oidc.provider.Grant.find(grantId);
        if (found) return found;
      }
      const grant = new oidc.provider.Grant({ clientId, accountId });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `The sign-in could not go on: ${out.error ?? 'error'}${out.error_description ? ` (${out.error_description})` : ''}`;
    },
  });
  provider.on('server_error', (_ctx, error) =>
    options.log?.({ level: 'error', msg: 'OpenID provider error', error: String(error) }),
  );
  const providerCallback = provider.callback();

  async function interaction(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const [, , uid, action] = url.pathname.split('/');
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return sendText(res, 400, 'This sign-in page does not belong to this browser.');
    const language = pickLanguage(req.headers['accept-language']);
    const signingUp = details.prompt.name === 'create';
    const formAction = `/interaction/${details.uid}/${signingUp ? 'create' : 'login'}`;
    if (req.method === 'GET' && action === undefined) {
      return sendHtml(
        res,
        200,
        signingUp ? signUpPage(language, formAction) : signInPage(language, formAction),
      );
    }
    if (req.method !== 'POST' || (action !== 'login' && action !== 'create'))
      return sendText(res, 404, 'Not found');
    const form = await readForm(req);
    if (form === undefined) return sendText(res, 413, 'The form is too large.');
    const email = (form.get('email') ?? '').trim();
    const password = form.get('password') ?? '';

    if (action === 'login') {
      const account = email ? await findLocalAccountByEmail(pool, email) : undefined;
      if (!account || !(await passwordMatches(password, account.passwordHash))) {
        return sendHtml(res, 401, signInPage(language, formAction, { email, error: 'wrongCredentials' }));
      }
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account.subject } },
        { mergeWithLastSubmission: false },
      );
      return;
    }

    const name = (form.get('name') ?? '').trim();
    const again = (error: MessageKey, status: number) =>
      sendHtml(res, status, signUpPage(language, formAction, { email, name, error }));
    if (!name || name.length > 200 || !/^[^\s@]+@[^\s@]+$/.test(email) || email.length > 254)
      return again('invalid', 400);
    if (password.length < MIN_PASSWORD_LENGTH || password.length > 1024) return again('invalid', 400);
    try {
      const account = await createLocalAccount(pool, {
        email,
        name,
        locale: localeOf(language),
        passwordHash: await hashPassword(password),
      });
      options.log?.({ msg: 'viewer account created', subject: account.subject });
      await provider.interactionFinished(
        req,
        res,
        { create: {}, login: { accountId: account.subject } },
        { mergeWithLastSubmission: false },
      );
    } catch (err) {
      if (err instanceof EmailTakenError) return again('emailTaken', 409);
      throw err;
    }
  }

  handle = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (!url.pathname.startsWith('/interaction/')) {
      providerCallback(req, res);
      return;
    }
    res.setHeader('Cache-Control', 'no-store');
    interaction(req, res, url).catch((err: unknown) => {
      options.log?.({ level: 'warn', msg: 'sign-in page failed', error: String(err) });
      if (!res.headersSent)
        sendText(res, 400, 'This sign-in has expired or is not valid. Start again from the portal.');
      else res.destroy();
    });
  };

  return {
    issuer,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function localeOf(language: Language): string {
  return language === 'it' ? 'it-IT' : 'en-GB';
}

function readForm(req: http.IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_FORM_BYTES) {
      req.resume();
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_FORM_BYTES) {
        req.destroy();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function sendHtml(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'Cache-Control': 'no-store',
  });
  res.end(html);
}

function sendText(res: http.ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

async function logoutSource(ctx: { body: string }, form: string): Promise<void> {
  // Signing out of the portal ends the provider session too, without a confirmation page.
  ctx.body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing out</title></head><body>${form}<script>document.forms[0].submit()</script><noscript><button form="op.logoutForm" type="submit" name="logout" value="yes">Sign out</button></noscript></body></html>`;
}

async function postLogoutSuccessSource(ctx: { body: string }): Promise<void> {
  ctx.body =
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signed out</title></head><body><main><h1>You are signed out.</h1></main></body></html>';
}

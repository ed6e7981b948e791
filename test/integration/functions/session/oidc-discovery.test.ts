import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '#functions/session/oidc.ts';
import { DependencyUnavailableError } from '#shared/errors.ts';

/**
 * An OCI identity domain publishes its discovery document at the domain URL but names
 * `https://identity.oraclecloud.com/` as its issuer. The session function must accept that
 * (openid-client's own discovery refuses it as an issuer mismatch).
 */
describe('Class: OidcClient', () => {
  let server: http.Server;
  let base: string;
  let requests = 0;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requests += 1;
      if (req.url !== '/.well-known/openid-configuration') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          issuer: 'https://identity.oraclecloud.com/',
          authorization_endpoint: `${base}/oauth2/v1/authorize`,
          token_endpoint: `${base}/oauth2/v1/token`,
          jwks_uri: `${base}/admin/v1/SigningCert/jwk`,
          code_challenge_methods_supported: ['S256'],
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  describe('Method: start', () => {
    it('discovers a provider whose issuer is not its URL (an OCI identity domain) and sends the browser there with PKCE, state and nonce', async () => {
      // Prepare
      const oidc = new OidcClient({
        issuerUrl: base,
        clientId: 'portal',
        clientSecret: 'secret',
        redirectUri: 'https://portal.example.com/v1/session/callback',
      });

      // Act
      const first = await oidc.start();
      const second = await oidc.start({ register: true });

      // Assess
      expect(first.url.origin + first.url.pathname).toBe(`${base}/oauth2/v1/authorize`);
      const params = first.url.searchParams;
      expect(params.get('code_challenge_method')).toBe('S256');
      expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(params.get('state')).toBe(first.state);
      expect(params.get('nonce')).toBe(first.nonce);
      expect(params.get('redirect_uri')).toBe('https://portal.example.com/v1/session/callback');
      expect(params.get('scope')).toBe('openid email profile');
      expect(params.has('prompt')).toBe(false);
      expect(second.url.searchParams.get('prompt')).toBe('create');
      expect(second.state).not.toBe(first.state);
      expect(requests).toBe(1); // discovered once per instance
    });

    it('says the provider is unavailable (503), not that the sign-in failed, when it cannot be reached, and tries again next time', async () => {
      const oidc = new OidcClient({
        issuerUrl: 'http://127.0.0.1:9',
        clientId: 'portal',
        clientSecret: 'secret',
        redirectUri: 'https://portal.example.com/v1/session/callback',
      });

      await expect(oidc.start()).rejects.toBeInstanceOf(DependencyUnavailableError);
      await expect(oidc.start()).rejects.toBeInstanceOf(DependencyUnavailableError);
    });
  });
});

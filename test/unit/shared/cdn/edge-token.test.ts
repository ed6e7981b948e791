import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { noCdnPurger } from '#shared/cdn/cdn.ts';
import {
  cdnConfig,
  cdnPurgerFromConfig,
  edgeConfig,
  parseEdgeTokenKeys,
  playbackUrlsFromConfig,
} from '#shared/cdn/cdn-from-config.ts';
import { signEdgePath, verifyEdgeRequest } from '#shared/cdn/edge-token.ts';
import {
  noEdgeRevocationList,
  revocationListConfig,
  revocationListFromConfig,
} from '#shared/cdn/revocation-list.ts';
import { readConfig } from '#shared/config/config.ts';
import { ConfigError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import { assetPrefix } from '#shared/video/media-layout.ts';

const KEY = randomBytes(32);
const OLD_KEY = randomBytes(32);
const ASSET = newId();
const OTHER_ASSET = newId();
const SCOPE = assetPrefix(ASSET);
const NOW = new Date('2030-01-01T00:00:00Z');
const IN_AN_HOUR = new Date(NOW.getTime() + 3_600_000);

function tokenPath(
  objectPath: string,
  options: { key?: Uint8Array; scope?: string; expiresAt?: Date } = {},
): string {
  const prefix = signEdgePath({
    key: options.key ?? KEY,
    scope: options.scope ?? SCOPE,
    expiresAt: options.expiresAt ?? IN_AN_HOUR,
  });
  return `${prefix}/${objectPath}`;
}

function refusal(path: string, keys: readonly Uint8Array[] = [KEY], now = NOW) {
  const verdict = verifyEdgeRequest(path, keys, now);
  return verdict.ok ? 'accepted' : { status: verdict.status, reason: verdict.reason };
}

describe('edge tokens', () => {
  it('signs HMAC-SHA256 over the scope and the expiry, as hex, in a /t/<exp>_<sig> prefix', () => {
    const exp = String(IN_AN_HOUR.getTime() / 1000);
    const expected = createHmac('sha256', KEY).update(`${SCOPE}${exp}`).digest('hex');
    expect(signEdgePath({ key: KEY, scope: SCOPE, expiresAt: IN_AN_HOUR })).toBe(`/t/${exp}_${expected}`);
  });

  it('accepts a good token for any object inside its asset folder', () => {
    for (const objectPath of [
      `${SCOPE}v1/master.m3u8`,
      `${SCOPE}v2/720p/seg-00001.m4s`,
      `${SCOPE}v1/thumbs/0001.jpg`,
    ]) {
      expect(verifyEdgeRequest(tokenPath(objectPath), [KEY], NOW)).toEqual({
        ok: true,
        objectPath,
        assetId: ASSET,
        expiresAt: IN_AN_HOUR,
      });
    }
  });

  it('refuses a tampered signature or expiry with 403', () => {
    const good = tokenPath(`${SCOPE}v1/master.m3u8`);
    const [, , token = '', ...rest] = good.split('/');
    const [exp = '', sig = ''] = token.split('_');
    const flipped = `${sig.slice(0, -1)}${sig.endsWith('0') ? '1' : '0'}`;
    expect(refusal(`/t/${exp}_${flipped}/${rest.join('/')}`)).toEqual({
      status: 403,
      reason: 'bad-signature',
    });
    const later = String(Number(exp) + 86_400);
    expect(refusal(`/t/${later}_${sig}/${rest.join('/')}`)).toEqual({ status: 403, reason: 'bad-signature' });
  });

  it('binds a token to a grant: /t/<exp>_<grantId>_<sig>, the grant signed after an underscore', () => {
    const grantId = newId();
    const exp = String(IN_AN_HOUR.getTime() / 1000);
    const expected = createHmac('sha256', KEY).update(`${SCOPE}${exp}_${grantId}`).digest('hex');
    const prefix = signEdgePath({ key: KEY, scope: SCOPE, expiresAt: IN_AN_HOUR, grantId });
    expect(prefix).toBe(`/t/${exp}_${grantId}_${expected}`);
    expect(verifyEdgeRequest(`${prefix}/${SCOPE}v1/master.m3u8`, [KEY], NOW)).toEqual({
      ok: true,
      objectPath: `${SCOPE}v1/master.m3u8`,
      assetId: ASSET,
      expiresAt: IN_AN_HOUR,
      grantId,
    });
  });

  it('refuses a token whose grant was cut out or swapped (403), and a grant that is not an id', () => {
    const grantId = newId();
    const path = `${signEdgePath({ key: KEY, scope: SCOPE, expiresAt: IN_AN_HOUR, grantId })}/${SCOPE}v1/a.m4s`;
    expect(refusal(path.replace(`_${grantId}_`, '_'))).toEqual({ status: 403, reason: 'bad-signature' });
    expect(refusal(path.replace(grantId, newId()))).toEqual({ status: 403, reason: 'bad-signature' });
    expect(refusal(path.replace(grantId, grantId.toLowerCase()))).toEqual({
      status: 403,
      reason: 'malformed-token',
    });
    expect(() =>
      signEdgePath({ key: KEY, scope: SCOPE, expiresAt: IN_AN_HOUR, grantId: 'ticket-1' }),
    ).toThrow(RangeError);
  });

  it('answers 410 for an expired token, valid up to and including its second', () => {
    const path = tokenPath(`${SCOPE}v1/master.m3u8`, { expiresAt: NOW });
    expect(verifyEdgeRequest(path, [KEY], NOW).ok).toBe(true);
    expect(refusal(path, [KEY], new Date(NOW.getTime() + 1))).toEqual({ status: 410, reason: 'expired' });
  });

  it('answers 403, not 410, for an expired token with a bad signature', () => {
    const path = tokenPath(`${SCOPE}v1/master.m3u8`, { expiresAt: NOW, key: OLD_KEY });
    expect(refusal(path, [KEY], new Date(NOW.getTime() + 60_000))).toEqual({
      status: 403,
      reason: 'bad-signature',
    });
  });

  it("refuses another asset's objects and objects outside every asset folder", () => {
    const prefix = signEdgePath({ key: KEY, scope: SCOPE, expiresAt: IN_AN_HOUR });
    expect(refusal(`${prefix}/${assetPrefix(OTHER_ASSET)}v1/master.m3u8`)).toEqual({
      status: 403,
      reason: 'bad-signature',
    });
    expect(refusal(`${prefix}/uploads/${ASSET}/source`)).toEqual({ status: 403, reason: 'outside-scope' });
    expect(refusal(`${prefix}/videos/not-an-id/v1/master.m3u8`)).toEqual({
      status: 403,
      reason: 'outside-scope',
    });
    expect(refusal(`${prefix}/videos/${ASSET}`)).toEqual({ status: 403, reason: 'outside-scope' });
  });

  it('refuses traversal, encoded separators and paths that are not in normal form', () => {
    const prefix = signEdgePath({ key: KEY, scope: SCOPE, expiresAt: IN_AN_HOUR });
    const other = `videos/${OTHER_ASSET}`;
    for (const objectPath of [
      `${SCOPE}../${OTHER_ASSET}/v1/master.m3u8`,
      `${SCOPE}v1/../../${OTHER_ASSET}/v1/master.m3u8`,
      `${SCOPE}%2e%2e/${OTHER_ASSET}/v1/master.m3u8`,
      `${SCOPE}%2E%2E%2F${OTHER_ASSET}%2Fv1%2Fmaster.m3u8`,
      `${SCOPE}v1%2fmaster.m3u8`,
      `${SCOPE}%252e%252e/${OTHER_ASSET}/v1/master.m3u8`,
      `${SCOPE}v1//master.m3u8`,
      `${SCOPE}./v1/master.m3u8`,
      `${SCOPE}v1\\..\\master.m3u8`,
      `${SCOPE}v1/master.m3u8%00`,
      `${SCOPE}v1/%E0%A4%A`,
      `${SCOPE}v1/`,
      `${other}/../${ASSET}/v1/master.m3u8`,
    ]) {
      expect(refusal(`${prefix}/${objectPath}`), objectPath).toEqual({ status: 403, reason: 'bad-path' });
    }
  });

  it('accepts percent-encoding of ordinary characters once, since it decodes to the same key', () => {
    const verdict = verifyEdgeRequest(`${tokenPath(`${SCOPE}v1/`)}%6Daster.m3u8`, [KEY], NOW);
    expect(verdict.ok && verdict.objectPath).toBe(`${SCOPE}v1/master.m3u8`);
  });

  it('verifies with every configured key, so keys rotate without breaking issued URLs', () => {
    const oldPath = tokenPath(`${SCOPE}v1/master.m3u8`, { key: OLD_KEY });
    const newPath = tokenPath(`${SCOPE}v1/master.m3u8`, { key: KEY });
    expect(verifyEdgeRequest(oldPath, [KEY, OLD_KEY], NOW).ok).toBe(true);
    expect(verifyEdgeRequest(newPath, [KEY, OLD_KEY], NOW).ok).toBe(true);
    expect(refusal(oldPath, [KEY])).toEqual({ status: 403, reason: 'bad-signature' });
    expect(refusal(newPath, [])).toEqual({ status: 403, reason: 'bad-signature' });
  });

  it('refuses malformed tokens', () => {
    const sig = 'a'.repeat(64);
    const object = `${SCOPE}v1/master.m3u8`;
    for (const path of [
      `/${object}`,
      `/t/${object}`,
      `/t/1893456000_${sig}`,
      `/t/1893456000_${'a'.repeat(40)}/${object}`,
      `/t/1893456000_${'A'.repeat(64)}/${object}`,
      `/t/18934560x0_${sig}/${object}`,
      `/t/189345600000_${sig}/${object}`,
      `/t/-1893456000_${sig}/${object}`,
      `/t/1893456000-${sig}/${object}`,
      `/t/1893456000_${sig}_x/${object}`,
      `//t/1893456000_${sig}/${object}`,
    ]) {
      expect(refusal(path), path).toEqual({ status: 403, reason: 'malformed-token' });
    }
  });

  it('signs only asset folders, with long enough keys', () => {
    expect(() => signEdgePath({ key: KEY, scope: 'videos/', expiresAt: IN_AN_HOUR })).toThrow(RangeError);
    expect(() => signEdgePath({ key: KEY, scope: `${SCOPE}v1/`, expiresAt: IN_AN_HOUR })).toThrow(RangeError);
    expect(() => signEdgePath({ key: randomBytes(16), scope: SCOPE, expiresAt: IN_AN_HOUR })).toThrow(
      RangeError,
    );
  });
});

describe('edge and CDN configuration', () => {
  it('reads hex, base64 and base64url keys, first one signing', () => {
    const keys = parseEdgeTokenKeys(
      ` ${KEY.toString('hex')}, ${OLD_KEY.toString('base64')},${OLD_KEY.toString('base64url')} `,
    );
    expect(keys.map((key) => Buffer.from(key))).toEqual([KEY, OLD_KEY, OLD_KEY]);
  });

  it('names EDGE_TOKEN_KEYS without echoing it when a key is short or not hex/base64', () => {
    for (const bad of [randomBytes(16).toString('hex'), 'not a key!', `${KEY.toString('hex')},abc`]) {
      let thrown: unknown;
      try {
        readConfig(edgeConfig, { EDGE_BASE_URL: 'https://edge.example', EDGE_TOKEN_KEYS: bad });
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).variables).toEqual(['EDGE_TOKEN_KEYS']);
      expect((thrown as ConfigError).message).not.toContain(bad);
    }
  });

  it('builds playback URLs that the edge accepts for the whole asset folder until they expire', () => {
    const config = readConfig(edgeConfig, {
      EDGE_BASE_URL: 'https://media.example/',
      EDGE_TOKEN_KEYS: `${KEY.toString('base64')},${OLD_KEY.toString('hex')}`,
    });
    const urls = playbackUrlsFromConfig(config, () => NOW);
    const url = new URL(urls.playbackUrl(ASSET, `${SCOPE}v1/master.m3u8`, 600));
    expect(url.origin).toBe('https://media.example');
    expect(url.pathname).toMatch(new RegExp(`^/t/\\d{10}_[0-9a-f]{64}/${SCOPE}v1/master\\.m3u8$`));
    const segment = url.pathname.replace('master.m3u8', '720p/seg-00001.m4s');
    expect(verifyEdgeRequest(segment, config.EDGE_TOKEN_KEYS, NOW)).toMatchObject({
      ok: true,
      assetId: ASSET,
    });
    expect(refusal(segment, config.EDGE_TOKEN_KEYS, new Date(NOW.getTime() + 601_000))).toEqual({
      status: 410,
      reason: 'expired',
    });
    expect(() => urls.playbackUrl(ASSET, `${assetPrefix(OTHER_ASSET)}v1/master.m3u8`, 600)).toThrow(
      RangeError,
    );
    expect(() => urls.playbackUrl(ASSET, `${SCOPE}v1/master.m3u8`, 0)).toThrow(RangeError);
  });

  it('purges nothing by default and requires the Fastly service and token when CDN_BACKEND=fastly', async () => {
    expect(cdnPurgerFromConfig(readConfig(cdnConfig, {}))).toBe(noCdnPurger);
    await expect(noCdnPurger.purgeSurrogateKey(`video-${ASSET}`)).resolves.toBeUndefined();
    let thrown: unknown;
    try {
      cdnPurgerFromConfig(readConfig(cdnConfig, { CDN_BACKEND: 'fastly', FASTLY_API_TOKEN: 'secret-token' }));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variables).toEqual(['FASTLY_SERVICE_ID']);
    expect(() => readConfig(cdnConfig, { CDN_BACKEND: 'akamai' })).toThrow(ConfigError);
  });

  it('keeps no revocation list without a CDN, and needs the dictionary id and its own token with Fastly', async () => {
    const shape = { ...cdnConfig, ...revocationListConfig };
    expect(revocationListFromConfig(readConfig(shape, {}))).toBe(noEdgeRevocationList);
    await expect(noEdgeRevocationList.apply({ upsert: [], remove: [ASSET] })).resolves.toBeUndefined();
    await expect(noEdgeRevocationList.apply({ upsert: [], remove: ['not-an-id'] })).rejects.toThrow(
      RangeError,
    );
    let thrown: unknown;
    try {
      // The purge token is not enough: dictionary writes take their own (scope global).
      revocationListFromConfig(
        readConfig(shape, {
          CDN_BACKEND: 'fastly',
          FASTLY_SERVICE_ID: 'svc',
          FASTLY_API_TOKEN: 'purge-token',
        }),
      );
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect((thrown as ConfigError).variables).toEqual([
      'FASTLY_REVOCATION_API_TOKEN',
      'FASTLY_REVOCATION_DICTIONARY_ID',
    ]);
    expect((thrown as ConfigError).message).not.toContain('purge-token');
  });
});

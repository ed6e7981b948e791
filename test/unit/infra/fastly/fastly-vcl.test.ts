import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { signEdgePath, verifyEdgeRequest } from '#shared/cdn/edge-token.ts';
import { newId } from '#shared/ids.ts';
import { assetPrefix, masterPlaylistKey } from '#shared/video/media-layout.ts';

/**
 * Fastly cannot run here, so the production edge's VCL (infra/fastly/forgecast-edge.vcl) is held to
 * the TypeScript verifier the local edge uses: its path pattern (PCRE, the same subset in JS)
 * accepts every path forgecast signs, signs the same string, and accepts nothing the verifier
 * would refuse for its shape.
 */
const vcl = readFileSync(new URL('../../../../infra/fastly/forgecast-edge.vcl', import.meta.url), 'utf8');
const recvPattern = /if \(req\.url\.path ~ "([^"]+)"\)/.exec(vcl)?.[1];
if (recvPattern === undefined) throw new Error('the recv snippet no longer matches req.url.path');
const tokenPath = new RegExp(recvPattern);

const KEY = Buffer.from('a printable edge key of at least thirty-two bytes', 'utf8');
const NOW = new Date('2026-11-23T12:00:00Z');
const LATER = new Date('2026-11-23T12:10:00Z');

function signed(objectPath: string, assetId: string, grantId?: string): string {
  const prefix = signEdgePath({
    key: KEY,
    scope: assetPrefix(assetId),
    expiresAt: LATER,
    ...(grantId === undefined ? {} : { grantId }),
  });
  return `${prefix}/${objectPath}`;
}

/** What the VCL computes, with the groups it captured. */
function vclView(path: string) {
  const match = tokenPath.exec(path);
  if (!match) return undefined;
  const [, exp = '', grant = '', sig = '', scope = '', assetId = '', rest = ''] = match;
  // var.signed in the recv snippet.
  const signedString = /^[0-9A-HJKMNP-TV-Z]{26}$/.test(grant) ? `${scope}${exp}_${grant}` : scope + exp;
  const expected = createHmac('sha256', KEY).update(signedString).digest('hex');
  return {
    exp,
    grant,
    sig,
    scope,
    object: scope + rest,
    surrogate: `video-${assetId}`,
    signatureMatches: expected === sig,
  };
}

describe('infra/fastly/forgecast-edge.vcl against shared/cdn/edge-token.ts', () => {
  const assetId = newId(NOW.getTime());
  const objects = [
    masterPlaylistKey(assetId, 1),
    `${assetPrefix(assetId)}v1/720p/playlist.m3u8`,
    `${assetPrefix(assetId)}v2/1080p/init.mp4`,
    `${assetPrefix(assetId)}v2/1080p/segment_00017.m4s`,
    `${assetPrefix(assetId)}v1/poster.jpg`,
  ];

  it.each(objects)('accepts the signed path of %s, signing the same string as the verifier', (object) => {
    const path = signed(object, assetId);
    expect(verifyEdgeRequest(path, [KEY], NOW)).toMatchObject({ ok: true, objectPath: object });
    expect(vclView(path)).toEqual({
      exp: String(Math.floor(LATER.getTime() / 1000)),
      grant: '',
      sig: expect.stringMatching(/^[0-9a-f]{64}$/),
      scope: assetPrefix(assetId),
      object,
      surrogate: `video-${assetId}`,
      signatureMatches: true,
    });
  });

  const token = signEdgePath({ key: KEY, scope: assetPrefix(assetId), expiresAt: LATER });
  const other = newId(NOW.getTime() + 1);
  const badShapes = [
    `${token}/videos/${assetId}/../${other}/master.m3u8`,
    `${token}/videos/${assetId}/v1/%2e%2e/x.m4s`,
    `${token}/videos/${assetId}/v1//x.m4s`,
    `${token}/videos/${assetId}/./x.m4s`,
    `${token}/videos/${assetId}/`,
    `${token}/videos/${assetId.toLowerCase()}/master.m3u8`,
    `${token}/uploads/${assetId}/source`,
    `${token}/videos/${assetId}/v1/a b.m4s`,
    `/t/${'9'.repeat(12)}_${'0'.repeat(64)}/videos/${assetId}/master.m3u8`,
    `/t/1700000000_${'A'.repeat(64)}/videos/${assetId}/master.m3u8`,
    `/videos/${assetId}/master.m3u8`,
  ];

  it.each(badShapes)('refuses the malformed path %s, as the verifier does', (path) => {
    expect(vclView(path)).toBeUndefined();
    expect(verifyEdgeRequest(path, [KEY], NOW)).toMatchObject({ ok: false, status: 403 });
  });

  it('accepts no shape the verifier refuses for its shape (only signature or expiry can fail after)', () => {
    const candidates = [...objects.map((object) => signed(object, assetId)), ...badShapes];
    for (const path of candidates) {
      if (vclView(path) === undefined) continue;
      const verdict = verifyEdgeRequest(
        path,
        [Buffer.from('another key entirely, also 32+ bytes long')],
        NOW,
      );
      expect(verdict).toMatchObject({ ok: false, reason: 'bad-signature' });
    }
  });

  it('a tampered signature or another asset folder no longer verifies in the VCL computation', () => {
    const path = signed(masterPlaylistKey(assetId, 1), assetId);
    const tampered = path.replace(/_([0-9a-f])/, (_, c: string) => `_${c === '0' ? '1' : '0'}`);
    expect(vclView(tampered)?.signatureMatches).toBe(false);
    const moved = path.replace(`videos/${assetId}/`, `videos/${other}/`);
    expect(vclView(moved)?.signatureMatches).toBe(false);
  });

  it('reads the grant of a ticket-bound token and signs it as the verifier does', () => {
    const grantId = newId(NOW.getTime() + 2);
    const path = signed(masterPlaylistKey(assetId, 1), assetId, grantId);
    expect(verifyEdgeRequest(path, [KEY], NOW)).toMatchObject({ ok: true, grantId });
    expect(vclView(path)).toMatchObject({ grant: grantId, signatureMatches: true });
    // Cutting the grant out leaves a token whose signature covers another string.
    const stripped = path.replace(`_${grantId}_`, '_');
    expect(vclView(stripped)).toMatchObject({ grant: '', signatureMatches: false });
    expect(verifyEdgeRequest(stripped, [KEY], NOW)).toMatchObject({ ok: false, reason: 'bad-signature' });
    // Putting another grant in is just as useless.
    const swapped = path.replace(grantId, newId(NOW.getTime() + 3));
    expect(vclView(swapped)?.signatureMatches).toBe(false);
  });

  it('refuses a revoked grant after the signature and expiry checks, before the cache', () => {
    const revokedCheck = vcl.indexOf('table.contains(forgecast_revoked, req.http.X-FC-Grant)');
    expect(revokedCheck).toBeGreaterThan(vcl.indexOf('error 410 "expired"'));
    expect(vcl.indexOf('error 403 "revoked"')).toBeGreaterThan(revokedCheck);
    expect(revokedCheck).toBeLessThan(vcl.indexOf('#### snippet: fetch'));
  });

  it('never compares against an empty or short key, and checks the signature before the expiry', () => {
    expect(vcl.match(/std\.strlen\(var\.key\) >= 32 &&/g)).toHaveLength(2);
    expect(vcl.indexOf('error 403 "bad-signature"')).toBeLessThan(vcl.indexOf('error 410 "expired"'));
  });
});

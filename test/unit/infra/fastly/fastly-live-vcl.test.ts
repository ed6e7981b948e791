import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { newId } from '#shared/ids.ts';
import { assetPrefix } from '#shared/video/media-layout.ts';
import { isLivePlaylist, mediaTypeOf } from '../../../../infra/local/edge/media-types.ts';

/**
 * Fastly cannot run here: the fetch snippet's live-playlist branch of infra/fastly/forgecast-edge.vcl
 * is held to the local edge's rule (infra/local/edge/media-types.ts isLivePlaylist), so both edges
 * cache the same objects for 1 s.
 */
const vcl = readFileSync(new URL('../../../../infra/fastly/forgecast-edge.vcl', import.meta.url), 'utf8');
const fetchSnippet = vcl.slice(vcl.indexOf('#### snippet: fetch'), vcl.indexOf('#### snippet: deliver'));
/** Each `else if (req.http.X-FC-Object ~ "…")` branch of the 200 path, in order, with its body. */
const branches = [
  ...fetchSnippet.matchAll(/\} else if \(req\.http\.X-FC-Object ~ "([^"]+)"\) \{([^}]*)/g),
].map((match) => ({ pattern: new RegExp(match[1] as string), body: match[2] as string }));

/** The TTL the fetch snippet gives a 200 answer for this object (the first branch that matches). */
function ttlFor(objectPath: string): string | undefined {
  const branch = branches.find((candidate) => candidate.pattern.test(objectPath));
  const body = branch?.body ?? /\} else \{([^}]*)\}\s*$/.exec(fetchSnippet)?.[1] ?? '';
  return /set beresp\.ttl = ([0-9]+s);/.exec(body)?.[1];
}

describe('infra/fastly/forgecast-edge.vcl: live playlists', () => {
  const asset = assetPrefix(newId());
  const objects = [
    `${asset}live/720p/index.m3u8`,
    `${asset}live/master.m3u8`,
    `${asset}live/s2/360p/seg-000017.m4s`,
    `${asset}live/s2/360p/init.mp4`,
    `${asset}v1/720p/index.m3u8`,
    `${asset}v1/master.m3u8`,
    `${asset}v1/720p/seg-00001.m4s`,
  ];

  it.each(objects)('caches %s as the local edge does', (objectPath) => {
    const type = mediaTypeOf(objectPath);
    if (type === undefined) throw new Error(`${objectPath} is not served`);
    const expected = isLivePlaylist(objectPath, type) ? '1s' : type.playlist ? '86400s' : '31536000s';
    expect(ttlFor(objectPath)).toBe(expected);
  });

  it('tells players max-age=1 for live playlists', () => {
    const live = branches.find((branch) => branch.pattern.test(`${asset}live/720p/index.m3u8`));
    expect(live?.body).toContain('set beresp.http.Cache-Control = "public, max-age=1";');
  });
});

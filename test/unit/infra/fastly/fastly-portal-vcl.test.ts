import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CACHE_IMMUTABLE,
  CACHE_REVALIDATE,
  securityHeaders,
} from '../../../../infra/local/web/security-headers.ts';
import { isApiPath } from '../../../../infra/local/web/server.ts';
import { appFileFor, looksLikeFile, renderedPagePath } from '../../../../infra/local/web/static-files.ts';

/**
 * Fastly cannot run here, so the portal service's VCL (infra/fastly/forgecast-portal.vcl) is held
 * to the local web server's code: the same split between API, files and app addresses, the same
 * cache headers and the same security headers, so what the browser tests see locally is what
 * people get in production.
 */
const vcl = readFileSync(new URL('../../../../infra/fastly/forgecast-portal.vcl', import.meta.url), 'utf8');
const snippet = (name: string) => {
  const start = vcl.indexOf(`#### snippet: ${name}`);
  const end = vcl.indexOf('#### snippet:', start + 1);
  return vcl.slice(start, end < 0 ? undefined : end);
};
const pattern = (source: string, expression: RegExp): RegExp => {
  const found = expression.exec(source)?.[1];
  if (found === undefined) throw new Error(`the VCL no longer has ${expression}`);
  return new RegExp(found);
};

const recv = snippet('recv');
const apiPattern = pattern(recv, /if \(req\.url\.path ~ "([^"]+)"\) \{\n\s+set req\.backend = F_api_gateway/);
const [assetsPattern, extensionPattern] = [
  ...recv.matchAll(/req\.url\.path ~ "([^"]+)" \|\| req\.url\.path ~ "([^"]+)"/g),
]
  .flatMap((match) => [match[1], match[2]])
  .map((source) => new RegExp(source ?? '(?!)'));
const plainFilePattern = pattern(recv, /if \(req\.url\.path !~ "([^"]+)"\)/);
const showsAppPattern = pattern(
  recv,
  /\} else if \(req\.url\.path ~ "([^"]+)"\) \{\n(?:\s*#[^\n]*\n)*\s*set req\.http\.X-FC-Web-Object = "shows\.html"/,
);

const renderedPattern = pattern(
  recv,
  /if \(!req\.http\.X-FC-Show-Page-Failed && req\.url\.path ~ "([^"]+)"\) \{/,
);
/** Where the VCL sends a rendered page: its `set req.url = "/v1/pages" regsub(…)` line, applied. */
const renderedUrl = (path: string) => {
  const rewrite = /set req\.url = "([^"]+)" regsub\(req\.url\.path, "([^"]+)", "([^"]*)"\);/.exec(recv);
  if (!rewrite) throw new Error('the VCL no longer rewrites the rendered page’s URL');
  return `${rewrite[1]}${path.replace(new RegExp(rewrite[2] ?? '(?!)'), rewrite[3] ?? '')}`;
};

const vclIsFile = (path: string) => Boolean(assetsPattern?.test(path) || extensionPattern?.test(path));

const PATHS = [
  '/',
  '/designs',
  '/designs/01HZX3K4M5N6P7Q8R9S0T1V2W3',
  '/designs/new',
  '/print-shop/printers',
  '/assets/index-Ab12Cd34.js',
  '/assets/index-Ab12Cd34.css',
  '/assets/design-detail-Zz99Yy88.js.map',
  '/assets/',
  '/robots.txt',
  '/favicon.ico',
  '/v1x',
  '/version.1/page',
  '/shows',
  '/shows/',
  '/shows/01HZX3K4M5N6P7Q8R9S0T1V2W3',
  '/shows/01HZX3K4M5N6P7Q8R9S0T1V2W3/bought',
  '/shows/01HZX3K4M5N6P7Q8R9S0T1V2W3/',
  '/shows/01hzx3k4m5n6p7q8r9s0t1v2w3',
  '/shows/not-a-show',
  '/shows//',
  '/showsx',
  '/tickets',
  '/tickets/01HZX3K4M5N6P7Q8R9S0T1V2W3',
  '/watch',
  '/watch/01HZX3K4M5N6P7Q8R9S0T1V2W3',
  '/door/01HZX3K4M5N6P7Q8R9S0T1V2W3',
  '/door',
  '/studio',
  '/studio/shows/new',
  '/studios',
  '/designs/shows',
];

describe('infra/fastly/forgecast-portal.vcl against infra/local/web', () => {
  it('sends /v1 and only /v1 to the API, as the local server proxies it', () => {
    for (const path of [...PATHS, '/v1', '/v1/', '/v1/session', '/v1/designs/01H/thumbnail']) {
      expect({ path, api: apiPattern.test(path) }).toEqual({ path, api: isApiPath(path) });
    }
  });

  it('tells files from app addresses as the local server does (a missing file is a 404, not the app)', () => {
    for (const path of PATHS.filter((candidate) => !isApiPath(candidate))) {
      expect({ path, file: vclIsFile(path) }).toEqual({ path, file: looksLikeFile(path) });
    }
  });

  it('answers the shows app’s addresses with shows.html and the others with index.html, as the local server does', () => {
    for (const path of PATHS.filter((candidate) => !isApiPath(candidate) && !looksLikeFile(candidate))) {
      const vclFile = showsAppPattern.test(path) ? 'shows.html' : 'index.html';
      expect({ path, file: vclFile }).toEqual({ path, file: appFileFor(path) });
    }
    expect(appFileFor('/shows/x')).toBe('shows.html');
    expect(appFileFor('/watch')).toBe('index.html');
    expect(appFileFor('/studio')).toBe('shows.html');
    expect(appFileFor('/designs')).toBe('index.html');
  });

  it('answers the catalogue and a show’s page with the shows function’s rendered page, as the local server does', () => {
    for (const path of PATHS.filter((candidate) => !isApiPath(candidate))) {
      const vcl = renderedPattern.test(path) ? renderedUrl(path) : null;
      const local = renderedPagePath(path);
      expect({ path, page: vcl }).toEqual({ path, page: local === null ? null : `/v1${local}` });
    }
    expect(renderedPagePath('/shows/01HZX3K4M5N6P7Q8R9S0T1V2W3')).toBe(
      '/pages/shows/01HZX3K4M5N6P7Q8R9S0T1V2W3',
    );
    expect(renderedPagePath('/shows/')).toBe('/pages/shows');
    expect(renderedPagePath('/shows/01HZX3K4M5N6P7Q8R9S0T1V2W3/bought')).toBeNull();
  });

  it('falls back to the static page when rendering fails, and gives rendered pages the security headers', () => {
    const fetchSnippet = snippet('fetch');
    const errorSnippet = snippet('error');

    // a 5xx from the function: the last good copy, else a restart that recv turns into shows.html
    expect(fetchSnippet).toMatch(
      /if \(req\.http\.X-FC-Show-Page\) \{\n\s+if \(beresp\.status >= 500\) \{[\s\S]*?deliver_stale[\s\S]*?restart;/,
    );
    expect(errorSnippet).toMatch(/if \(req\.http\.X-FC-Show-Page && obj\.status >= 500\) \{[\s\S]*?restart;/);
    expect(recv).toMatch(
      /if \(req\.restarts > 0 && req\.http\.X-FC-Show-Page\) \{[\s\S]*?set req\.url = req\.http\.X-FC-Show-Page;[\s\S]*?set req\.http\.X-FC-Show-Page-Failed = "1";/,
    );
    // the page is looked up after the cookie is dropped: one cached copy for everyone
    expect(recv.indexOf('unset req.http.Cookie;')).toBeLessThan(
      recv.indexOf('set req.http.X-FC-Show-Page = '),
    );
    expect(snippet('deliver')).toContain('if (req.http.X-FC-Web-Object || req.http.X-FC-Show-Page) {');
  });

  it('looks up only plain file names in the bucket', () => {
    expect(plainFilePattern.test('/assets/index-Ab12Cd34.js')).toBe(true);
    expect(plainFilePattern.test('/robots.txt')).toBe(true);
    for (const path of [
      '/assets/../secret.txt',
      '/assets/%2e%2e/x.js',
      '/assets//x.js',
      '/.env',
      '/a b.js',
    ]) {
      expect({ path, plain: plainFilePattern.test(path) }).toEqual({ path, plain: false });
    }
  });

  it('caches hashed assets as immutable and revalidates the page, with the local server’s values', () => {
    const fetchSnippet = snippet('fetch');
    const values = [...fetchSnippet.matchAll(/set beresp\.http\.Cache-Control = "([^"]+)"/g)].map(
      (m) => m[1],
    );

    expect(values).toContain(CACHE_IMMUTABLE);
    expect(values).toContain(CACHE_REVALIDATE);
  });

  it('sends every security header the local server sends, with the same value', () => {
    // Prepare: the CSP names the upload origin from the dictionary
    const uploadOrigin = 'https://ns.compat.objectstorage.eu-frankfurt-1.oraclecloud.com';
    const mediaOrigin = 'https://media.example.com';
    const chatOrigins = ['https://firestore.googleapis.com', 'https://securetoken.googleapis.com'];
    const deliver = snippet('deliver')
      .replace(/" table\.lookup\(forgecast_portal, "upload_origin"\) "/g, uploadOrigin)
      .replace(/" table\.lookup\(forgecast_portal, "media_origin"\) "/g, mediaOrigin)
      .replace(/" table\.lookup\(forgecast_portal, "connect_origins"\) "/g, chatOrigins.join(' '));
    const set = Object.fromEntries(
      [...deliver.matchAll(/set resp\.http\.([A-Za-z-]+) = "([^"]*)";/g)].map((m) => [
        m[1]?.toLowerCase(),
        m[2],
      ]),
    );

    // Act / Assess
    const local = securityHeaders([uploadOrigin], {
      mediaOrigins: [mediaOrigin],
      connectOrigins: chatOrigins,
    });
    for (const [name, value] of Object.entries(local)) {
      expect({ name, value: set[name] }).toEqual({ name, value });
    }
    expect(set['strict-transport-security']).toMatch(/^max-age=\d+/);
  });
});

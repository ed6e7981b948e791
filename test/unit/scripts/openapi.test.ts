import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { catalog } from '#functions/index.ts';
import { NotFoundError } from '#shared/errors.ts';
import type { FunctionManifest, HttpRoute, RouteContracts } from '#shared/runtime/manifest.ts';
import {
  buildOpenApiDocument,
  contractFindings,
  loadRouteContracts,
  type ManifestWithContracts,
  type OpenApiDocument,
} from '#shared/runtime/openapi.ts';
import { toJson } from '../../../scripts/generate-oci-catalog.ts';
import {
  API_MARKDOWN_PATH,
  OPENAPI_PATH,
  renderApiMarkdown,
  renderOpenApiJson,
} from '../../../scripts/generate-openapi.ts';

let functions: ManifestWithContracts[];
beforeAll(async () => {
  functions = await loadRouteContracts(catalog.map((entry) => entry.manifest));
});
// Built on first use, so a route without a contract fails its own test below rather than the whole file.
let built: OpenApiDocument | undefined;
const doc = () => {
  built ??= buildOpenApiDocument(functions);
  return built;
};
type Json = Record<string, unknown>;

const manifestWith = (routes: HttpRoute[]): FunctionManifest => ({
  name: 'things',
  summary: 'things',
  kind: 'http',
  memoryMb: 128,
  timeoutSeconds: 10,
  routes,
  events: [],
  config: [],
});
const anyKey = { type: 'scoped', anyOf: [] } as const;
const ok = { 200: { description: 'ok', contentType: 'application/json' } };

/** Every `$ref` in the document, with where it sits. */
function refsOf(value: unknown, at = '#'): { at: string; ref: string }[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [{ at, ref: inner }] : refsOf(inner, `${at}/${key}`),
  );
}

function resolve(ref: string): unknown {
  return ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Json | undefined)?.[key.replaceAll('~1', '/')], doc());
}

describe('Function: contractFindings', () => {
  it('flags a route without an operation id, an id without a contract, and a contract no route names', () => {
    // Prepare
    const routes: HttpRoute[] = [
      { method: 'GET', path: '/things', auth: anyKey },
      { method: 'GET', path: '/things/{id}', auth: anyKey, operationId: 'getThing' },
    ];
    const contracts: RouteContracts = { listParts: { summary: 's', responses: ok } };

    // Act
    const findings = contractFindings({ manifest: manifestWith(routes), contracts });

    // Assess
    expect(findings).toEqual([
      'things GET /things: no operationId naming its contract in things/api.ts',
      'things GET /things/{id}: no contract getThing in things/api.ts',
      'things: contract listParts names no route',
    ]);
  });

  it('flags path parameters without a schema, a POST without a body decision and a GET with a body', () => {
    // Prepare
    const routes: HttpRoute[] = [
      { method: 'POST', path: '/things/{id}/parts/{partId}', auth: anyKey, operationId: 'addPart' },
      { method: 'GET', path: '/things', auth: anyKey, operationId: 'listThings' },
    ];
    const contracts: RouteContracts = {
      addPart: { summary: 's', params: z.object({ id: z.string() }), responses: ok },
      listThings: { summary: 's', body: z.object({}), responses: ok },
    };

    // Act
    const findings = contractFindings({ manifest: manifestWith(routes), contracts });

    // Assess
    expect(findings).toEqual([
      'things POST /things/{id}/parts/{partId}: path parameters id, partId but params schema has id',
      'things POST /things/{id}/parts/{partId}: no body schema (null if it takes none)',
      'things GET /things: GET declares a body',
    ]);
  });

  it('refuses to build a reference while a route has no contract', () => {
    const route: HttpRoute = { method: 'GET', path: '/things', auth: anyKey };

    expect(() => buildOpenApiDocument([{ manifest: manifestWith([route]), contracts: {} }])).toThrow(
      /no operationId/,
    );
  });
});

describe('The catalog as an API reference', () => {
  it('has a contract (operation id, schemas for every input, responses) for every HTTP route', () => {
    const findings = functions.flatMap(contractFindings);

    expect(findings, 'name each route’s contract (operationId) and add it to the function’s api.ts').toEqual(
      [],
    );
  });

  it('keeps the contracts out of cold starts: a manifest loads its api module only when asked', () => {
    for (const { manifest } of catalog) {
      if (manifest.kind === 'http') expect(manifest.api, manifest.name).toBeTypeOf('function');
      else expect(manifest.api, manifest.name).toBeUndefined();
    }
  });

  it('describes every catalog route exactly once, under /v1 unless it is a root route', () => {
    const declared = catalog.flatMap(({ manifest }) =>
      manifest.routes.map((route) => `${route.method} ${route.root ? '' : '/v1'}${route.path}`),
    );
    const described = Object.entries(doc().paths).flatMap(([path, byMethod]) =>
      Object.keys(byMethod).map((method) => `${method.toUpperCase()} ${path}`),
    );

    expect(described.sort()).toEqual(declared.sort());
  });

  it('gives request bodies and parameters the handler’s own zod constraints', () => {
    // Assess: spot checks against schemas the handlers validate with.
    const createDesign = doc().components.schemas.CreateLicenseRequest as Json;
    expect(createDesign.required).toEqual(
      expect.arrayContaining(['designId', 'holderOrgId', 'prints', 'expiresAt']),
    );
    expect(createDesign.additionalProperties).toBe(false);
    const createOrg = doc().components.schemas.CreateOrganisationRequest as { properties: { kind: Json } };
    expect(createOrg.properties.kind.enum).toEqual([
      'designer',
      'licensee',
      'integrator',
      'creator',
      'viewer',
    ]);
    const listVideos = doc().paths['/v1/videos']?.get;
    expect(listVideos?.parameters?.find((p) => p.name === 'limit')).toMatchObject({
      in: 'query',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
    });
    // Responses as the handler sends them; zod's implicit safe-integer bounds are left out, real ones kept.
    const show = doc().components.schemas.GetShowResponse as { properties: Record<string, Json> };
    expect(show.properties.capacity).toEqual({ type: 'integer' });
    expect(show.properties.description).toEqual({ type: ['string', 'null'] });
    const mint = doc().paths['/v1/licenses']?.post;
    expect(mint?.parameters?.find((p) => p.in === 'header')).toMatchObject({
      name: 'idempotency-key',
      required: true,
    });
  });

  it('lists each route’s problems with the type, title, status and code its handler answers', () => {
    const grant = doc().paths['/v1/print-jobs']?.post;
    const conflicts = grant?.responses['409']?.content?.['application/problem+json']?.examples ?? {};
    expect(Object.keys(conflicts)).toEqual(
      expect.arrayContaining(['license_pending', 'license_revoked', 'license_expired', 'prints_exhausted']),
    );
    expect(doc().components.examples.prints_exhausted?.value).toEqual({
      type: 'https://forgecast.dev/problems/prints-exhausted',
      title: 'No prints left',
      status: 409,
      code: 'prints_exhausted',
    });
    // Shared problems come with the route's kind: a public route has no 401, a credentialed one does.
    expect(doc().paths['/v1/shows']?.get?.responses['401']).toBeUndefined();
    expect(doc().paths['/v1/tickets']?.get?.responses['401']).toBeDefined();
  });

  it('refuses one problem kind answered two ways by two routes', () => {
    const routes: HttpRoute[] = [
      { method: 'GET', path: '/a', auth: anyKey, operationId: 'getA' },
      { method: 'GET', path: '/b', auth: anyKey, operationId: 'getB' },
    ];
    const contracts: RouteContracts = {
      getA: { summary: 's', responses: ok, problems: () => [new NotFoundError('')] },
      getB: {
        summary: 's',
        responses: ok,
        problems: () => [Object.assign(new NotFoundError(''), { status: 410 })],
      },
    };

    expect(() => buildOpenApiDocument([{ manifest: manifestWith(routes), contracts }])).toThrow(
      /problem not-found is answered as/,
    );
  });

  it('maps route auth to security requirements: public, any key, scopes as alternatives, printers', () => {
    expect(doc().paths['/v1/shows']?.get?.security).toEqual([]);
    expect(doc().paths['/v1/api-keys']?.get?.security).toEqual([{ apiKey: [] }]);
    expect(doc().paths['/v1/licenses']?.post?.security).toEqual([
      { apiKey: ['licenses:write'] },
      { apiKey: ['admin'] },
    ]);
    expect(doc().paths['/v1/print-jobs/{id}']?.get?.security).toEqual([
      { printerCredential: ['prints:authorize'] },
      { apiKey: ['licenses:read'] },
      { apiKey: ['admin'] },
    ]);
  });
});

describe('The OpenAPI document is structurally valid OpenAPI 3.1', () => {
  it('declares 3.1 with an info object, components and only absolute path templates', () => {
    expect(doc().openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc().info.title).toBe('string');
    expect(typeof doc().info.version).toBe('string');
    for (const path of Object.keys(doc().paths)) expect(path).toMatch(/^\/[^?#]*$/);
  });

  it('has unique operation ids, declared tags, and a description on every response', () => {
    const operations = Object.values(doc().paths).flatMap((byMethod) => Object.values(byMethod));
    const ids = operations.map((operation) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    const tags = new Set(doc().tags.map((tag) => tag.name));
    for (const operation of operations) {
      for (const tag of operation.tags) expect(tags.has(tag), tag).toBe(true);
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(status).toMatch(/^[1-5]\d\d$/);
        expect(response.description.length, `${operation.operationId} ${status}`).toBeGreaterThan(0);
      }
    }
  });

  it('gives every path template parameter one required path parameter, and nothing else twice', () => {
    for (const [path, byMethod] of Object.entries(doc().paths)) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const [method, operation] of Object.entries(byMethod)) {
        expect(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']).toContain(method);
        const parameters = operation.parameters ?? [];
        const inPath = parameters.filter((p) => p.in === 'path');
        expect(inPath.map((p) => p.name).sort(), `${method} ${path}`).toEqual([...templated].sort());
        for (const parameter of inPath) expect(parameter.required).toBe(true);
        const keys = parameters.map((p) => `${p.in}:${p.name}`);
        expect(new Set(keys).size, `${method} ${path}`).toBe(keys.length);
        for (const parameter of parameters)
          expect(['path', 'query', 'header', 'cookie']).toContain(parameter.in);
      }
    }
  });

  it('resolves every $ref and names only declared security schemes', () => {
    for (const { at, ref } of refsOf(doc())) {
      expect(ref, at).toMatch(/^#\/components\/(schemas|examples|responses)\//);
      expect(resolve(ref), `${at} → ${ref}`).toBeDefined();
    }
    const schemes = Object.keys(doc().components.securitySchemes);
    for (const byMethod of Object.values(doc().paths)) {
      for (const operation of Object.values(byMethod)) {
        for (const requirement of operation.security) {
          for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
        }
      }
    }
    for (const scheme of Object.values(doc().components.securitySchemes)) {
      expect(scheme).toMatchObject({ type: 'http', scheme: 'bearer' });
    }
  });

  it('uses component names OpenAPI allows, and schemas in the JSON Schema 2020-12 dialect (no $schema per schema)', () => {
    for (const section of Object.values(doc().components)) {
      for (const name of Object.keys(section)) expect(name).toMatch(/^[a-zA-Z0-9._-]+$/);
    }
    for (const schema of Object.values(doc().components.schemas)) {
      expect(schema.$schema).toBeUndefined();
      expect(typeof schema.type === 'string' || Array.isArray(schema.anyOf)).toBe(true);
    }
  });
});

describe('docs/openapi.json and docs/api.md', () => {
  it('are what the code says today (else run npm run openapi)', () => {
    expect(
      readFileSync(OPENAPI_PATH, 'utf8') === renderOpenApiJson(doc()),
      'docs/openapi.json is stale: run npm run openapi',
    ).toBe(true);
    expect(
      readFileSync(API_MARKDOWN_PATH, 'utf8') === renderApiMarkdown(doc()),
      'docs/api.md is stale: run npm run openapi',
    ).toBe(true);
  });

  it('render the same document stably, as Biome formats JSON', () => {
    const text = renderOpenApiJson(doc());
    expect(renderOpenApiJson(doc())).toBe(text);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(doc())));
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('keep a scalar array on one line when it fits, counting the comma only where one follows', () => {
    // Prepare: 2 + 8 + 100 = 110 columns, Biome's line width, without a comma; 111 with one.
    const items = ['a'.repeat(46), 'b'.repeat(46)];

    // Act
    const last = toJson({ x: 1, list: items });
    const notLast = toJson({ list: items, x: 1 });

    // Assess
    expect(last).toContain(`"list": ["${items[0]}", "${items[1]}"]\n`);
    expect(notLast).toContain('"list": [\n');
  });

  it('show every operation in the Markdown reference', () => {
    const markdown = renderApiMarkdown(doc());
    for (const [path, byMethod] of Object.entries(doc().paths)) {
      for (const method of Object.keys(byMethod))
        expect(markdown).toContain(`### \`${method.toUpperCase()} ${path}\``);
    }
  });
});

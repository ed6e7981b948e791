import { z } from 'zod';
import { type AppError, PROBLEM_BASE, toProblem } from '../errors.ts';
import type {
  FunctionManifest,
  HttpMethod,
  HttpRoute,
  RouteApi,
  RouteAuth,
  RouteContracts,
} from './manifest.ts';

/**
 * OpenAPI 3.1 from the catalog: every HTTP route's manifest entry (auth, operation id) and the
 * contract its function's `api.ts` holds under that id (the zod schemas its handler validates
 * with, its answers and problems). `scripts/generate-openapi.ts` writes it to docs/, the health
 * function serves it at `GET /v1/openapi.json`.
 */
export const OPENAPI_VERSION = '3.1.1';
export const API_VERSION = '1';
/** Where ordinary routes live; root routes (`root: true`) sit at the host root. */
export const API_PATH_PREFIX = '/v1';

type Json = Record<string, unknown>;

/** The fields of the document the reference renderer and the tests read; the rest stays loose. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly info: Json;
  readonly tags: readonly { name: string; description: string }[];
  readonly paths: Record<string, Record<string, OpenApiOperation>>;
  readonly components: {
    readonly securitySchemes: Record<string, Json>;
    readonly schemas: Record<string, Json>;
    readonly examples: Record<string, { summary: string; value: ProblemSample }>;
  };
}

export interface OpenApiOperation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly security: readonly Record<string, readonly string[]>[];
  readonly parameters?: readonly OpenApiParameter[];
  readonly requestBody?: { required: boolean; content: Record<string, { schema: Json }> };
  readonly responses: Record<string, OpenApiResponse>;
}

export interface OpenApiParameter {
  readonly name: string;
  readonly in: 'path' | 'query' | 'header';
  readonly required: boolean;
  readonly description?: string;
  readonly schema: Json;
}

export interface OpenApiResponse {
  readonly description: string;
  readonly content?: Record<string, { schema?: Json; examples?: Record<string, { $ref: string }> }>;
}

/** What a problem document of one kind always carries; `detail` and the rest vary per answer. */
export interface ProblemSample {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code?: string;
}

/** A function's manifest with the contracts its `api` module holds (none for event functions). */
export interface ManifestWithContracts {
  readonly manifest: FunctionManifest;
  readonly contracts: RouteContracts;
}

/** Loads every manifest's contracts: the `api` modules stay out of cold starts, so this is async. */
export async function loadRouteContracts(
  manifests: readonly FunctionManifest[],
): Promise<ManifestWithContracts[]> {
  return Promise.all(
    manifests.map(async (manifest) => ({
      manifest,
      contracts: manifest.api ? (await manifest.api()).contracts : {},
    })),
  );
}

/**
 * What keeps the reference from describing a function: a route without an operation id or
 * without a contract of that id, a contract that disagrees with its route, a contract no route
 * names.
 */
export function contractFindings({ manifest, contracts }: ManifestWithContracts): string[] {
  const findings = manifest.routes.flatMap((route) => routeFindings(manifest, route, contracts));
  const named = new Set(manifest.routes.map((route) => route.operationId));
  for (const operationId of Object.keys(contracts)) {
    if (!named.has(operationId)) findings.push(`${manifest.name}: contract ${operationId} names no route`);
  }
  return findings;
}

function routeFindings(manifest: FunctionManifest, route: HttpRoute, contracts: RouteContracts): string[] {
  const where = `${manifest.name} ${route.method} ${route.path}`;
  if (!route.operationId) return [`${where}: no operationId naming its contract in ${manifest.name}/api.ts`];
  const api = Object.hasOwn(contracts, route.operationId) ? contracts[route.operationId] : undefined;
  if (!api) return [`${where}: no contract ${route.operationId} in ${manifest.name}/api.ts`];
  const findings: string[] = [];
  const pathParams = [...route.path.matchAll(/\{([^}*]+)\*?\}/g)].map((match) => match[1] as string);
  const declared = api.params ? Object.keys(api.params.shape) : [];
  if ([...pathParams].sort().join() !== [...declared].sort().join()) {
    findings.push(
      `${where}: path parameters ${pathParams.join(', ') || '(none)'} but params schema has ${declared.join(', ') || '(none)'}`,
    );
  }
  const takesBody = route.method === 'POST' || route.method === 'PUT' || route.method === 'PATCH';
  if (takesBody && api.body === undefined) findings.push(`${where}: no body schema (null if it takes none)`);
  if (!takesBody && api.body !== undefined) findings.push(`${where}: ${route.method} declares a body`);
  const statuses = Object.keys(api.responses).map(Number);
  // A redirect is the success of a browser route (the sign-in steps answer 302).
  if (!statuses.some((status) => status >= 200 && status < 400)) {
    findings.push(`${where}: responses must list the success answers (2xx, or 3xx for a redirect)`);
  }
  if (!/^[a-z][A-Za-z0-9]*$/.test(route.operationId))
    findings.push(`${where}: operationId must be camelCase`);
  return findings;
}

const METHOD_ORDER: readonly HttpMethod[] = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

export function buildOpenApiDocument(functions: readonly ManifestWithContracts[]): OpenApiDocument {
  const findings = functions.flatMap(contractFindings);
  if (findings.length > 0)
    throw new Error(`routes the API reference cannot describe:\n${findings.join('\n')}`);

  const schemas: Record<string, Json> = { Problem: PROBLEM_SCHEMA };
  const examples: OpenApiDocument['components']['examples'] = {};
  const paths: OpenApiDocument['paths'] = {};
  const operationIds = new Set<string>();
  const tags: { name: string; description: string }[] = [];

  for (const { manifest, contracts } of functions) {
    if (manifest.kind !== 'http') continue;
    tags.push({ name: manifest.name, description: manifest.summary });
    const routes = [...manifest.routes].sort(
      (a, b) =>
        a.path.localeCompare(b.path) || METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
    );
    for (const route of routes) {
      const operationId = route.operationId as string;
      if (operationIds.has(operationId)) throw new Error(`operationId ${operationId} is used twice`);
      operationIds.add(operationId);
      const api = contracts[operationId] as RouteApi;
      const path = route.root ? route.path : `${API_PATH_PREFIX}${route.path}`;
      const byMethod = paths[path] ?? {};
      paths[path] = byMethod;
      byMethod[route.method.toLowerCase()] = operation(manifest, route, operationId, api, schemas, examples);
    }
  }

  return {
    openapi: OPENAPI_VERSION,
    info: {
      title: 'forgecast API',
      version: API_VERSION,
      summary: '3D-print IP licensing and ticketed video shows on OCI Functions.',
      description: INFO_DESCRIPTION,
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    tags,
    paths,
    components: { securitySchemes: SECURITY_SCHEMES, schemas, examples },
  };
}

function operation(
  manifest: FunctionManifest,
  route: HttpRoute,
  operationId: string,
  api: RouteApi,
  schemas: Record<string, Json>,
  examples: OpenApiDocument['components']['examples'],
): OpenApiOperation {
  const parameters = [
    ...parametersOf(api.params, 'path'),
    ...parametersOf(api.query, 'query'),
    ...parametersOf(api.headers, 'header'),
  ];
  const responses: Record<string, OpenApiResponse> = {};
  for (const [status, response] of Object.entries(api.responses)) {
    const contentType = response.contentType ?? (response.schema ? 'application/json' : undefined);
    let schema: Json | undefined;
    if (response.schema) {
      const name = `${componentName(operationId)}Response${status === '200' ? '' : status}`;
      schemas[name] = jsonSchema(response.schema, 'output');
      schema = { $ref: `#/components/schemas/${name}` };
    }
    responses[status] = {
      description: response.description,
      ...(contentType ? { content: { [contentType]: schema ? { schema } : {} } } : {}),
    };
  }
  const problems = problemsOf(route, api);
  const byStatus = new Map<number, ProblemSample[]>();
  for (const problem of problems) {
    const key = problem.code ?? problem.type.slice(PROBLEM_BASE.length);
    const known = examples[key];
    if (known && JSON.stringify(known.value) !== JSON.stringify(problem)) {
      throw new Error(
        `problem ${key} is answered as ${JSON.stringify(known.value)} and ${JSON.stringify(problem)}`,
      );
    }
    examples[key] = { summary: problem.title, value: problem };
    const list = byStatus.get(problem.status) ?? [];
    if (!list.some((other) => sameKind(other, problem))) list.push(problem);
    byStatus.set(problem.status, list);
  }
  // A status the route declares itself (health's 503 report) is not a problem document.
  const problemStatuses = [...byStatus.keys()].filter((status) => !(String(status) in responses));
  for (const status of problemStatuses.sort((a, b) => a - b)) {
    const list = byStatus.get(status) ?? [];
    responses[String(status)] = {
      description: list.map((problem) => problem.title).join('; '),
      content: {
        'application/problem+json': {
          schema: { $ref: '#/components/schemas/Problem' },
          examples: Object.fromEntries(
            list.map((problem) => {
              const key = problem.code ?? problem.type.slice(PROBLEM_BASE.length);
              return [key, { $ref: `#/components/examples/${key}` }];
            }),
          ),
        },
      },
    };
  }
  let requestBody: OpenApiOperation['requestBody'];
  if (api.body) {
    const name = `${componentName(operationId)}Request`;
    schemas[name] = jsonSchema(api.body);
    requestBody = {
      required: !api.bodyOptional,
      content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } },
    };
  }
  return {
    operationId,
    summary: api.summary,
    ...(api.description ? { description: api.description } : {}),
    tags: [manifest.name],
    security: securityOf(route.auth),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
  };
}

const sameKind = (a: ProblemSample, b: ProblemSample) => a.type === b.type && a.code === b.code;

/** The route's own problems, then those it shares with every route of its kind. */
function problemsOf(route: HttpRoute, api: RouteApi): ProblemSample[] {
  const own = (api.problems?.() ?? []).map(sampleOf);
  const shared: ProblemSample[] = [];
  const takesInput = api.params || api.query || api.headers || api.body;
  if (takesInput) shared.push(problem(400, 'validation', 'Request is not valid'));
  if (route.auth.type === 'scoped') {
    shared.push(problem(401, 'unauthorized', 'Authentication required'));
    if (route.auth.anyOf.length > 0) shared.push(problem(403, 'forbidden', 'Not allowed'));
    shared.push(problem(503, 'authorizer-unavailable', 'Authorizer unavailable'));
  }
  if (api.body !== undefined) shared.push(problem(413, 'payload-too-large', 'Payload too large'));
  if (api.body) shared.push(problem(415, 'unsupported-media-type', 'Unsupported media type'));
  shared.push(
    problem(429, 'rate-limited', 'Too many requests'),
    problem(500, 'internal', 'Internal error'),
    problem(502, 'function-failed', 'Function failed'),
    problem(503, 'dependency-unavailable', 'A dependency is unavailable'),
    problem(504, 'deadline-exceeded', 'The call ran out of time'),
  );
  return [...own, ...shared];
}

function problem(status: number, slug: string, title: string): ProblemSample {
  return { type: PROBLEM_BASE + slug, title, status };
}

function sampleOf(err: AppError): ProblemSample {
  const document = toProblem(err);
  const code = typeof document.code === 'string' ? document.code : undefined;
  return {
    type: document.type,
    title: document.title,
    status: document.status,
    ...(code ? { code } : {}),
  };
}

function securityOf(auth: RouteAuth): Record<string, readonly string[]>[] {
  if (auth.type === 'anonymous') return [];
  if (auth.anyOf.length === 0) return [{ apiKey: [] }];
  // ANY_OF: each scope is an alternative; only printer credentials carry prints:authorize.
  return auth.anyOf.map(
    (scope): Record<string, readonly string[]> =>
      scope === 'prints:authorize' ? { printerCredential: [scope] } : { apiKey: [scope] },
  );
}

function parametersOf(schema: z.ZodType | undefined, where: OpenApiParameter['in']): OpenApiParameter[] {
  if (!schema) return [];
  const object = jsonSchema(schema);
  const properties = (object.properties ?? {}) as Record<string, Json>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

/** JSON Schema 2020-12 (OpenAPI 3.1's dialect) of what a client sends or receives. */
/**
 * JSON Schema 2020-12 (OpenAPI 3.1's dialect): a request as the client sends it (`input`: before
 * defaults and coercions), a response as the handler sends it (`output`).
 */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as Json;
  return withoutSafeIntegerBounds(rest) as Json;
}

/** zod writes `.int()` as ±(2^53 − 1) bounds: true, but noise in a reference. Real bounds stay. */
function withoutSafeIntegerBounds(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutSafeIntegerBounds);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(
        ([key, inner]) =>
          !(key === 'minimum' && inner === Number.MIN_SAFE_INTEGER) &&
          !(key === 'maximum' && inner === Number.MAX_SAFE_INTEGER),
      )
      .map(([key, inner]) => [key, withoutSafeIntegerBounds(inner)]),
  );
}

const componentName = (operationId: string) => operationId.charAt(0).toUpperCase() + operationId.slice(1);

const INFO_DESCRIPTION = [
  'Every route below `/v1` is served by one OCI function behind API Gateway. Authenticate with',
  '`Authorization: Bearer fck_…` (an API key) or, for print jobs, `Authorization: Bearer fcp_…` (a',
  'printer credential). A route lists the scopes it accepts; any one of them is enough. Errors are',
  'RFC 9457 `application/problem+json` documents whose `type` is',
  '`https://forgecast.dev/problems/<slug>`; refusals a client can act on repeat it in `code`.',
].join(' ');

const SECURITY_SCHEMES: Record<string, Json> = {
  apiKey: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'fck_<keyId>_<secret>',
    description:
      'An organisation API key, shown once when created (POST /v1/orgs, POST /v1/api-keys). Its scopes are listed per operation; any one of them admits the call.',
  },
  printerCredential: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'fcp_<printerId>_<secret>',
    description:
      'A printer credential, shown once when the printer is registered (POST /v1/printers) or its credential rotated. It carries the single scope prints:authorize.',
  },
};

const PROBLEM_SCHEMA: Json = {
  type: 'object',
  description: 'RFC 9457 problem details.',
  required: ['type', 'title', 'status'],
  properties: {
    type: { type: 'string', format: 'uri', description: 'https://forgecast.dev/problems/<slug>' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string', description: 'What went wrong in this call, for people.' },
    instance: { type: 'string' },
    code: { type: 'string', description: 'A stable machine-readable refusal code (snake_case).' },
    errors: {
      type: 'array',
      description: 'For validation problems: each offending member by JSON pointer.',
      items: {
        type: 'object',
        required: ['pointer', 'detail'],
        properties: { pointer: { type: 'string' }, detail: { type: 'string' } },
      },
    },
    retryAfterSeconds: { type: 'integer', description: 'Also sent as Retry-After.' },
  },
  additionalProperties: true,
};

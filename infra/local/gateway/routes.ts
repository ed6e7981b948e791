import type { FunctionManifest, HttpMethod, RouteAuth } from '#shared/runtime/manifest.ts';

export interface GatewayRoute {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: RouteAuth;
  readonly functionName: string;
  /** Matched against the path as sent, not below the deployment prefix. */
  readonly root?: boolean;
}

/** The gateway routes that send each manifest's routes to its function. */
export function routesOf(...manifests: readonly FunctionManifest[]): GatewayRoute[] {
  return manifests.flatMap((manifest) =>
    manifest.routes.map((route) => ({ ...route, functionName: manifest.name })),
  );
}

interface CompiledRoute extends GatewayRoute {
  readonly pattern: RegExp;
  readonly specificity: number;
}

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: GatewayRoute; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

/** Matches paths the way API Gateway does: literal segments, `{name}` one segment, `{name*}` the rest. */
export class RouteTable {
  private readonly routes: CompiledRoute[];

  constructor(routes: readonly GatewayRoute[]) {
    this.routes = routes
      .map((route) => ({ ...route, ...compile(route.path) }))
      // Literal segments win over parameters, parameters over wildcards.
      .sort((a, b) => b.specificity - a.specificity);
  }

  match(method: string, path: string): RouteMatch {
    const allowed: string[] = [];
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      for (const [key, value] of Object.entries(found.groups ?? {})) params[key] = safeDecode(value);
      return { kind: 'found', route, params };
    }
    return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
  }

  methodsFor(path: string): string[] {
    return this.routes.filter((r) => r.pattern.test(path)).map((r) => r.method);
  }
}

/** A malformed escape (`%E0`) is client input, not a gateway failure: keep the raw text. */
function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function compile(path: string): { pattern: RegExp; specificity: number } {
  let specificity = 0;
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const wildcard = /^\{(\w+)\*\}$/.exec(segment);
      if (wildcard) return `(?<${wildcard[1]}>.+)`;
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param) {
        specificity += 1;
        return `(?<${param[1]}>[^/]+)`;
      }
      specificity += 3;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
  return { pattern: new RegExp(`^/${segments.join('/')}/?$`), specificity };
}

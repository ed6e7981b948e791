import type { HttpRoute } from './manifest.ts';

/**
 * A function's router, built from its manifest's routes (OCI path syntax: `{name}` one segment,
 * `{name*}` the rest), so the path a handler serves is written once, in the catalog. Matching
 * follows API Gateway (and the local gateway): literal segments win over parameters, parameters
 * over wildcards, a trailing slash is accepted, parameters are percent-decoded.
 */
export type RouteMatch<T> =
  | { readonly kind: 'found'; readonly target: T; readonly params: Record<string, string> }
  | { readonly kind: 'method-not-allowed'; readonly allowed: readonly string[] }
  | { readonly kind: 'not-found' };

interface Compiled<T> {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly specificity: number;
  readonly target: T;
}

export class Router<T> {
  private readonly routes: readonly Compiled<T>[];

  constructor(routes: readonly { readonly route: Pick<HttpRoute, 'method' | 'path'>; readonly target: T }[]) {
    this.routes = routes
      .map(({ route, target }) => ({ method: route.method, target, ...compile(route.path) }))
      .sort((a, b) => b.specificity - a.specificity);
  }

  match(method: string, path: string): RouteMatch<T> {
    // HEAD is answered by the GET route without its body, as Express did.
    const wanted = method === 'HEAD' ? 'GET' : method;
    const allowed: string[] = [];
    for (const route of this.routes) {
      const found = route.pattern.exec(path);
      if (!found) continue;
      if (route.method !== wanted) {
        allowed.push(route.method);
        continue;
      }
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = safeDecode(found[i + 1] ?? '');
      });
      return { kind: 'found', target: route.target, params };
    }
    return allowed.length > 0
      ? { kind: 'method-not-allowed', allowed: [...new Set(allowed)] }
      : { kind: 'not-found' };
  }
}

/** A malformed escape (`%E0`) is client input, not a server failure: keep the raw text. */
function safeDecode(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function compile(path: string): { pattern: RegExp; names: string[]; specificity: number } {
  let specificity = 0;
  const names: string[] = [];
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      const wildcard = /^\{(\w+)\*\}$/.exec(segment);
      if (wildcard?.[1]) {
        names.push(wildcard[1]);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1]) {
        names.push(param[1]);
        specificity += 1;
        return '([^/]+)';
      }
      specificity += 3;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    });
  return { pattern: new RegExp(`^/${segments.join('/')}/?$`), names, specificity };
}

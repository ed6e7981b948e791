import { z } from 'zod';
import type { FnRunner } from '../fn/runner.ts';

const authorizerResultSchema = z.union([
  z.object({
    active: z.literal(true),
    principal: z.string(),
    scope: z.array(z.string()).default([]),
    clientId: z.string().optional(),
    expiresAt: z.string().optional(),
    context: z.record(z.string(), z.string()).default({}),
  }),
  z.object({
    active: z.literal(false),
    wwwAuthenticate: z.string().optional(),
    problem: z.literal('origin-refused').optional(),
  }),
]);

export type AuthorizerResult = z.infer<typeof authorizerResultSchema>;

/**
 * The request parts the authorizer receives, as the OCI deployment's multi-argument
 * authentication passes them (`request.headers[...]`); `method` only locally (OCI has no context
 * variable for it). Absent parts are left out.
 */
export interface AuthorizerArguments {
  readonly authorization?: string;
  readonly cookie?: string;
  readonly origin?: string;
  readonly secFetchSite?: string;
  readonly method?: string;
}

/**
 * Calls the custom authorizer function as API Gateway does with a multi-argument authorizer
 * (USER_DEFINED input) and caches active answers for bearer credentials per argument set until
 * `expiresAt`, at most `maxCacheMs`. Inactive answers are not cached, so a key created a moment
 * ago works at once; a key's revocation takes effect within the cache bound. Session-cookie
 * answers are not cached at all.
 */
export class AuthorizerClient {
  private readonly cache = new Map<string, { result: AuthorizerResult; until: number }>();
  private readonly runner: FnRunner;
  private readonly functionName: string;
  /** Longest an answer is reused, whatever its expiresAt says (bounds how late a revocation bites). */
  private readonly maxCacheMs: number;

  constructor(runner: FnRunner, functionName: string, maxCacheMs = 10_000) {
    this.runner = runner;
    this.functionName = functionName;
    this.maxCacheMs = maxCacheMs;
  }

  async authorize(args: AuthorizerArguments): Promise<AuthorizerResult | 'unavailable'> {
    const data = Object.fromEntries(
      Object.entries(args).filter(([, value]) => value !== undefined && value !== ''),
    );
    // Every argument is part of the key: an answer for a GET without Origin is no answer for a POST.
    const cacheKey = JSON.stringify(data);
    const cached = this.cache.get(cacheKey);
    if (cached && cached.until > Date.now()) return cached.result;
    const outcome = await this.runner.call(this.functionName, {
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify({ type: 'USER_DEFINED', data })),
    });
    if (outcome.kind !== 'ok') return 'unavailable';
    let parsed: unknown;
    try {
      parsed = JSON.parse(outcome.reply.body.toString('utf8'));
    } catch {
      return 'unavailable';
    }
    const result = authorizerResultSchema.safeParse(parsed);
    if (!result.success) return 'unavailable';
    // Session-cookie answers are not kept: removing a member or signing out must refuse the very
    // next request (a database read per portal call is cheap). On OCI they live ≤ 5 s (expiresAt).
    if (result.data.active && this.maxCacheMs > 0 && data.authorization !== undefined) {
      const expires = result.data.expiresAt ? Date.parse(result.data.expiresAt) : Number.NaN;
      const until = Math.min(
        Date.now() + this.maxCacheMs,
        Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires,
      );
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(cacheKey, { result: result.data, until });
    }
    return result.data;
  }
}

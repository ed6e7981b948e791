import { z } from 'zod';

/** One dependency probe: it either resolves with a detail or throws; the runner times it. */
export type Probe = () => Promise<Record<string, unknown>>;

export interface CheckResult {
  readonly status: 'up' | 'down';
  readonly latencyMs: number;
  readonly detail?: Record<string, unknown>;
  readonly error?: string;
}

export interface HealthReport {
  readonly status: 'ok' | 'degraded';
  readonly checks: Record<string, CheckResult>;
}

/** The platform is still starting: what is left, and no dependency report (they may be half up). */
export interface StartingReport {
  readonly status: 'starting';
  readonly starting: readonly string[];
}

const startupAnswer = z.object({ ready: z.boolean(), starting: z.array(z.string().max(100)).max(50) });
const MAX_STARTUP_ANSWER_BYTES = 16 * 1024;

/**
 * Asks the start-up status endpoint what is still starting; `undefined` once start-up is done.
 * An endpoint that cannot be read counts as starting: health never answers 200 on a guess.
 */
export async function stillStarting(url: string, timeoutMs: number): Promise<StartingReport | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const length = Number(response.headers.get('content-length') ?? Number.NaN);
    if (!response.ok || !(length <= MAX_STARTUP_ANSWER_BYTES)) throw new Error(`answered ${response.status}`);
    const answer = startupAnswer.parse(await response.json());
    return answer.ready ? undefined : { status: 'starting', starting: answer.starting };
  } catch {
    return { status: 'starting', starting: ['start-up status unavailable'] };
  }
}

/** Runs every probe in parallel, each bounded by `timeoutMs`, so one slow dependency cannot stall the report. */
export async function runChecks(probes: Record<string, Probe>, timeoutMs: number): Promise<HealthReport> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => [name, await timed(probe, timeoutMs)] as const),
  );
  const checks = Object.fromEntries(entries);
  const status = entries.every(([, result]) => result.status === 'up') ? 'ok' : 'degraded';
  return { status, checks };
}

async function timed(probe: Probe, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      probe(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'up', latencyMs: elapsed(started), detail };
  } catch (err) {
    // Only the error's name and message: enough for an operator, nothing secret.
    const error = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown failure';
    return { status: 'down', latencyMs: elapsed(started), error };
  } finally {
    clearTimeout(timer);
  }
}

const elapsed = (since: number) => Math.round((performance.now() - since) * 10) / 10;

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

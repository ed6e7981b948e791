/**
 * What `npm start` prints of the log records its parts write. At the default level the console
 * shows what happened, not that nothing did: the record a function writes for each event it
 * handled is left out when the event changed nothing (a scheduled tick that found no work, every
 * 2 s, or an event the function ignored), and so is the gateway's access record of a request answered below 400. Failed requests
 * and failures (warn/error records) are always shown; `verbose` (LOG_LEVEL=debug) shows all.
 */
export function consoleLine(
  source: string,
  line: Record<string, unknown> | string,
  verbose: boolean,
): { readonly text: string; readonly stream: 'stdout' | 'stderr' } | undefined {
  let record: Record<string, unknown>;
  if (typeof line === 'string') {
    try {
      const parsed: unknown = JSON.parse(line);
      record =
        typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : { msg: line };
    } catch {
      record = { msg: line };
    }
  } else record = line;
  const level = String(record.level ?? 'info');
  if (!verbose) {
    if (level === 'debug' || (source === 'mariadb' && level === 'info') || source === 'chain')
      return undefined;
    if (record.msg === 'event handled' && changedNothing(record.outcome)) return undefined;
    if (source === 'gateway' && record.msg === 'request' && answeredFine(record)) return undefined;
  }
  const { msg, level: _level, time: _time, ...rest } = record;
  const extra = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : '';
  return {
    text: `[${source}] ${level === 'info' ? '' : `${level.toUpperCase()} `}${String(msg ?? '')}${extra}`,
    stream: level === 'error' || level === 'warn' ? 'stderr' : 'stdout',
  };
}

/**
 * Where a run stands or how it went about it, not what it did: a chain head, a report id or a
 * loop's pass count moves on every tick; the transcoder scaler reports the queue and pool it saw.
 */
const POSITION_FIELDS = new Set([
  'head',
  'nextBlock',
  'blockNumber',
  'fromBlock',
  'toBlock',
  'id',
  'ms',
  'passes',
  'visible',
  'inFlight',
  'members',
  'desired',
]);

/**
 * `processed` with every count in its detail zero: a tick that found nothing to do; or `ignored`:
 * an event that was not this function's business, or a tick with nothing to do it with (GA4 not
 * configured, as locally, every 10 s).
 */
function changedNothing(outcome: unknown): boolean {
  if (typeof outcome !== 'object' || outcome === null) return false;
  const { status, detail } = outcome as { status?: unknown; detail?: unknown };
  return status === 'ignored' || (status === 'processed' && !countsSomething(detail, 0));
}

function countsSomething(value: unknown, depth: number): boolean {
  if (typeof value === 'number') return value !== 0;
  if (typeof value !== 'object' || value === null || depth > 4) return false;
  // A list of names is what was acted on (workers started, licenses missing on chain).
  if (Array.isArray(value))
    return value.some((item) => typeof item === 'string' || countsSomething(item, depth + 1));
  return Object.entries(value).some(
    ([key, item]) => !POSITION_FIELDS.has(key) && countsSomething(item, depth + 1),
  );
}

/** The gateway's access record of a request the function answered below 400 (the client has it). */
function answeredFine(record: Record<string, unknown>): boolean {
  return record.outcome === 'ok' && typeof record.status === 'number' && record.status < 400;
}

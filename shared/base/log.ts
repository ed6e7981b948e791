import { AsyncLocalStorage } from 'node:async_hooks';

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const SECRET_KEY = /secret|password|passwd|token|authorization|api[-_]?key|private[-_]?key|cookie|signature/i;

interface CallScope {
  readonly callId: string;
  readonly fn: string;
}

const scope = new AsyncLocalStorage<CallScope>();

/** Runs `work` with the call id attached to every log line written inside it. */
export function withCallScope<T>(callScope: CallScope, work: () => T): T {
  return scope.run(callScope, work);
}

function redact(value: unknown, depth = 0): unknown {
  if (depth > 4 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return serializeError(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  return out;
}

function serializeError(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { name: err.name, message: err.message, stack: err.stack };
  if (err.cause instanceof Error) out.cause = serializeError(err.cause);
  return out;
}

/** Read once per process (cold start), like all configuration; not on every log line. */
const THRESHOLD = LEVELS[(process.env.LOG_LEVEL as Level | undefined) ?? 'info'] ?? LEVELS.info;

function write(level: Level, msg: string, fields?: Record<string, unknown>): void {
  if (LEVELS[level] < THRESHOLD) return;
  const call = scope.getStore();
  const line = JSON.stringify({
    level,
    time: new Date().toISOString(),
    msg,
    ...(call ? { fn: call.fn, callId: call.callId } : {}),
    ...(fields ? (redact(fields) as Record<string, unknown>) : {}),
  });
  (level === 'error' || level === 'warn' ? process.stderr : process.stdout).write(`${line}\n`);
}

/** Structured JSON logger; keys that look like secrets are redacted before writing. */
export const log = {
  debug: (msg: string, fields?: Record<string, unknown>) => write('debug', msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => write('info', msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => write('warn', msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => write('error', msg, fields),
};

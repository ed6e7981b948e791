import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

/**
 * How the agent starts nginx and ffmpeg: through util-linux `setpriv`, which sets the parent-death
 * signal (so a SIGKILLed agent takes its children with it) and, when the agent runs as root, drops
 * to `nobody` (uid/gid 65534, no supplementary groups) before exec. setpriv execs, so the pid and
 * signals are the program's own. Keys never go into argv; callers pass only derived names.
 */
export const UNPRIVILEGED_ID = 65534;

let setprivUsable: boolean | undefined;
function setprivAvailable(): boolean {
  if (setprivUsable === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'KILL', '--', 'true'], { stdio: 'ignore' });
    setprivUsable = process.platform === 'linux' && probe.status === 0;
  }
  return setprivUsable;
}

/** True when children must drop privileges (the agent is root). */
export const runningAsRoot = (): boolean => process.getuid?.() === 0;

export interface ChildOptions {
  /** Sent by the kernel when the agent dies. nginx gets TERM so its master stops its workers. */
  readonly parentDeathSignal: 'SIGKILL' | 'SIGTERM';
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export function spawnGuarded(command: string, args: readonly string[], options: ChildOptions): ChildProcess {
  const drop = runningAsRoot()
    ? [`--reuid=${UNPRIVILEGED_ID}`, `--regid=${UNPRIVILEGED_ID}`, '--clear-groups']
    : [];
  const guarded = setprivAvailable();
  if (!guarded && drop.length > 0) throw new Error('setpriv is required to run children as nobody');
  const [file, argv] = guarded
    ? ['setpriv', ['--pdeathsig', options.parentDeathSignal.slice(3), ...drop, '--', command, ...args]]
    : [command, [...args]];
  return spawn(file, argv, {
    cwd: options.cwd,
    env: options.env ?? { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export const isRunning = (child: ChildProcess): boolean =>
  child.exitCode === null && child.signalCode === null;

/** Resolves once the child has exited (immediately if it already has). */
export function exited(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Sends `signal`, then SIGKILL if the child is still there after `graceMs`; resolves on exit. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<void> {
  if (!isRunning(child)) return;
  child.kill(signal);
  const timer = setTimeout(() => {
    if (isRunning(child)) child.kill('SIGKILL');
  }, graceMs);
  await exited(child);
  clearTimeout(timer);
}

/** Calls `onLine` for each line the stream carries. */
export function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  if (!stream) return;
  let partial = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onLine(line.replace(/\r$/, ''));
  });
  stream.on('end', () => {
    if (partial.trim() !== '') onLine(partial);
  });
}

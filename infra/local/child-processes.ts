import { type ChildProcess, type SpawnOptions, spawn, spawnSync } from 'node:child_process';

/**
 * Every process the local cloud starts (MariaDB, FDK processes, transcoder workers) is started
 * here, so that none can outlive it, whatever way it ends:
 *
 * - **The kernel tells each child when we die.** The child is exec'ed through util-linux
 *   `setpriv --pdeathsig`, which sets `prctl(PR_SET_PDEATHSIG)` and then execs the real program
 *   (same pid). When the local cloud's process ends for any reason — a clean exit, an uncaught
 *   exception, SIGKILL, the OOM killer — the kernel sends the child that signal. Nothing polls,
 *   and it needs no code in the child, which matters for MariaDB and for the function bundle
 *   (the same bundle runs on OCI, where nothing of this exists). The death signal goes to the
 *   spawning *thread*; Node spawns on its main thread, which lives as long as the process.
 * - **Each child gets its own process group** (`detached`), so a terminal's Ctrl-C reaches only
 *   the local cloud, which then stops its parts in order (gateway first, database last) instead
 *   of every process dying at once mid-request.
 * - **A registry** of the children still running, so a second Ctrl-C can stop all of them at
 *   once without waiting for the orderly stop.
 *
 * Without setpriv (not Linux, or util-linux missing) children stay in our process group, which
 * is how it worked before: Ctrl-C still reaches them, a SIGKILL of the parent does not.
 */
const running = new Map<ChildProcess, NodeJS.Signals>();

/** Marks a process as belonging to the local cloud of one data folder (found again by tests). */
export const LOCAL_CLOUD_MARKER = 'FORGECAST_LOCAL_CLOUD_DIR';

let setprivAvailable: boolean | undefined;
function canUseParentDeathSignal(): boolean {
  if (setprivAvailable === undefined) {
    const probe = spawnSync('setpriv', ['--pdeathsig', 'SIGTERM', '--', 'true'], { stdio: 'ignore' });
    setprivAvailable = process.platform === 'linux' && probe.status === 0;
  }
  return setprivAvailable;
}

export interface ChildSpawnOptions extends Omit<SpawnOptions, 'detached'> {
  /** What the kernel sends the child when the local cloud's process ends (SIGTERM by default). */
  readonly parentDeathSignal?: NodeJS.Signals;
  /** What a second Ctrl-C sends it (SIGKILL by default: it must end even a hung process). */
  readonly stopNowSignal?: NodeJS.Signals;
}

export function spawnChild(
  command: string,
  args: readonly string[],
  options: ChildSpawnOptions,
): ChildProcess {
  const { parentDeathSignal = 'SIGTERM', stopNowSignal = 'SIGKILL', ...spawnOptions } = options;
  const guarded = canUseParentDeathSignal();
  const child = guarded
    ? spawn('setpriv', ['--pdeathsig', parentDeathSignal, '--', command, ...args], {
        ...spawnOptions,
        detached: true,
      })
    : spawn(command, [...args], spawnOptions);
  running.set(child, stopNowSignal);
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
  return child;
}

/** Stops every child still running at once with its stop-now signal (a second Ctrl-C). */
export function stopAllChildrenNow(): number {
  let signalled = 0;
  for (const [child, signal] of running) {
    if (child.exitCode === null && child.signalCode === null && child.kill(signal)) signalled += 1;
  }
  return signalled;
}

const MAX_RESTART_DELAY_MS = 30_000;
/** A process that ran this long before it exited starts the backoff count again. */
const STABLE_RUN_MS = 60_000;

/**
 * A restart policy of ALWAYS with backoff, as the local pools use it: after an exit, how many
 * quick exits in a row there have been and how long to wait before the next start (`baseMs`,
 * doubled per quick exit, at most 30 s), so a process that dies at once does not spin.
 */
export function restartAfterExit(
  ranMs: number,
  quickExitsBefore: number,
  baseMs = 1000,
): { quickExits: number; delayMs: number } {
  const quickExits = ranMs >= STABLE_RUN_MS ? 1 : quickExitsBefore + 1;
  return { quickExits, delayMs: Math.min(baseMs * 2 ** (quickExits - 1), MAX_RESTART_DELAY_MS) };
}

/**
 * Keeps one child service of the local cloud running (MariaDB): when it dies without being asked
 * to, the console says so and it is started again — same data, same port, so every function's
 * MYSQL_URL stays right — with a growing pause between attempts. A service that keeps dying, or
 * cannot be started again, stops the local cloud with a message saying why: never serving in
 * silence with a dead dependency.
 */
export interface SupervisedService {
  /** Settles when the service's process ends, whatever the reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface SuperviseOptions<Service extends SupervisedService> {
  /** How the console names it ("MariaDB"). */
  readonly name: string;
  /** Starts (or starts again) the service; the first call's failure is the caller's. */
  readonly start: () => Promise<Service>;
  /** Restarts allowed within `windowMs` before giving up (5 in 10 minutes by default). */
  readonly maxRestarts?: number;
  readonly windowMs?: number;
  /** Pause before the first restart, doubled for each one in the window (500 ms by default). */
  readonly firstDelayMs?: number;
  readonly log: (line: Record<string, unknown>) => void;
  /** Called once when the service cannot be kept running; the caller stops everything. */
  readonly onGiveUp: (message: string) => void;
}

export interface Supervised<Service extends SupervisedService> {
  current(): Service;
  /** Restarts so far (tests and diagnostics). */
  readonly restarts: number;
  stop(): Promise<void>;
}

export async function supervise<Service extends SupervisedService>(
  options: SuperviseOptions<Service>,
): Promise<Supervised<Service>> {
  const maxRestarts = options.maxRestarts ?? 5;
  const windowMs = options.windowMs ?? 10 * 60_000;
  const firstDelayMs = options.firstDelayMs ?? 500;
  let service = await options.start();
  let stopping = false;
  let restarts = 0;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  const recent: number[] = [];

  const restart = async (attempt: number): Promise<void> => {
    try {
      service = await options.start();
    } catch (err) {
      if (stopping) return;
      scheduleRestart(`restart ${attempt} failed: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (stopping) {
      await service.stop();
      return;
    }
    restarts += 1;
    options.log({ level: 'warn', msg: `${options.name} is running again (restart ${attempt})` });
    watch(service);
  };

  const scheduleRestart = (why: string): void => {
    const now = performance.now();
    while (recent.length > 0 && (recent[0] as number) < now - windowMs) recent.shift();
    if (recent.length >= maxRestarts) {
      stopping = true;
      options.onGiveUp(
        `${options.name} ${why}, and it has been restarted ${recent.length} times in ${Math.round(windowMs / 60_000)} min: giving up`,
      );
      return;
    }
    recent.push(now);
    const delayMs = firstDelayMs * 2 ** (recent.length - 1);
    options.log({
      level: 'error',
      msg: `${options.name} ${why}; restarting in ${delayMs} ms (attempt ${recent.length} of ${maxRestarts})`,
    });
    const attempt = recent.length;
    timer = setTimeout(() => {
      restarting = restart(attempt).finally(() => {
        restarting = undefined;
      });
    }, delayMs);
  };

  const watch = (running: Service): void => {
    void running.exited.then(({ code, signal }) => {
      if (stopping || running !== service) return;
      scheduleRestart(`exited unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`})`);
    });
  };
  watch(service);

  return {
    current: () => service,
    get restarts() {
      return restarts;
    },
    async stop() {
      stopping = true;
      clearTimeout(timer);
      await restarting;
      await service.stop();
    },
  };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `npm start`'s program. */
export const LOCAL_CLOUD_MAIN = fileURLToPath(new URL('../../infra/local/main.ts', import.meta.url));

/** Every port 0 (free ones), the private MariaDB and the embedded chain. */
export function localCloudEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GATEWAY_PORT: '0',
    S3_PORT: '0',
    CHAIN_PORT: '0',
    EDGE_PORT: '0',
    STRIPE_PORT: '0',
    METRICS_PORT: '0',
    WEB_PORT: '0',
    IDP_PORT: '0',
    LIVE_RTMP_PORT: '0',
    LIVE_RTMPS_PORT: '0',
    LIVE_WHIP_PORT: '0',
    MYSQL_URL: '',
    CHAIN_RPC_URL: '',
    LOG_LEVEL: 'info',
    ...extra,
  };
}

export interface LocalCloudProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has ended. */
  readonly exited: Promise<number | string>;
  /** Resolves with the gateway URL once the banner is printed; rejects if the process ends first. */
  ready(timeoutMs?: number): Promise<string>;
  /** Resolves once the output matches `pattern`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
}

/**
 * Spawns a command (the local cloud, or npm running it) in its own process group, as a terminal
 * runs a foreground job, so a test can send the group a Ctrl-C.
 */
export function spawnLocalCloud(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; cwd?: string },
): LocalCloudProcess {
  const child = spawn(command, [...args], {
    env: options.env,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1));
    child.once('error', (err) => {
      text += `\nspawn failed: ${err.message}`;
      resolve(-1);
    });
  });
  let ended = false;
  void exited.then(() => {
    ended = true;
  });

  const waitFor = (pattern: RegExp, timeoutMs = 120_000) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const until = Date.now() + timeoutMs;
      const poll = setInterval(() => {
        const match = pattern.exec(text);
        if (match) {
          clearInterval(poll);
          resolve(match);
        } else if (ended || Date.now() > until) {
          clearInterval(poll);
          reject(new Error(`${ended ? 'ended' : 'timed out'} before ${pattern}:\n${text}`));
        }
      }, 50);
    });

  return {
    child,
    output: () => text,
    exited,
    waitFor,
    ready: async (timeoutMs) => (await waitFor(/API gateway\s+(http:\/\/\S+)/, timeoutMs))[1] as string,
  };
}

/**
 * `npm start`'s program on `dataDir` (node directly, not through npm, with `nodeArgs` before it),
 * free ports unless `env` says otherwise.
 */
export function startLocalCloudMain(
  dataDir: string,
  env: Record<string, string> = {},
  nodeArgs: readonly string[] = [],
): LocalCloudProcess {
  return spawnLocalCloud(process.execPath, [...nodeArgs, LOCAL_CLOUD_MAIN, '--data-dir', dataDir], {
    env: localCloudEnv(env),
  });
}

/** Pids of processes whose command line or environment names `marker` (a data folder). */
export function processesMentioning(marker: string): { pid: number; command: string }[] {
  const found: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      let environment = '';
      try {
        environment = readFileSync(`/proc/${entry}/environ`, 'utf8');
      } catch {
        // another user's process: its command line is enough
      }
      if (command.includes(marker) || environment.includes(marker))
        found.push({ pid: Number(entry), command });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Waits (polling, generous bound) until no process mentions `marker`; returns what is left. */
export async function leftoversAfter(
  marker: string,
  timeoutMs = 60_000,
): Promise<{ pid: number; command: string }[]> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const left = processesMentioning(marker);
    if (left.length === 0 || Date.now() > until) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}

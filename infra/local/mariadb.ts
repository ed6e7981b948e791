import type { ChildProcess } from 'node:child_process';
import { constants as fsConstants } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { spawnChild } from './child-processes.ts';

/**
 * A private MariaDB server started from the installed Debian binaries, with all state under
 * `dataDir`. Used by `npm start` and the test global setup when `MYSQL_URL` is not given.
 */
export interface StartMariaDbOptions {
  readonly dataDir: string;
  /** Fixed TCP port; by default a free loopback port is picked. */
  readonly port?: number;
  readonly log?: (line: string) => void;
}

export interface RunningMariaDb {
  readonly url: string;
  readonly port: number;
  /** Settles when the server process ends, for whatever reason (stop() or not). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export class MariaDbUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MariaDbUnavailableError';
  }
}

export class MariaDbStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MariaDbStartError';
  }
}

export const DATABASE_NAME = 'forgecast';
const READY_TIMEOUT_MS = 20_000;
const STOP_GRACE_MS = 10_000;
const STDERR_TAIL_LINES = 30;
/** Marker written after a successful install, so a half-initialised datadir is redone. */
const INITIALISED_MARKER = '.forgecast-initialised';
const MAX_PORT_ATTEMPTS = 3;
const SOCKET_DIR_PREFIX = 'fcdb-';

export async function startMariaDb(options: StartMariaDbOptions): Promise<RunningMariaDb> {
  const binaries = await findBinaries();
  await mkdir(options.dataDir, { recursive: true });
  const log = options.log ?? (() => {});
  const pidFile = join(options.dataDir, 'mariadbd.pid');
  await stopStaleServer(pidFile, options.dataDir, log);
  await initialiseDataDir(binaries.installDb, options.dataDir, log);

  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await findFreePort());
    try {
      return await launch(binaries.server, options.dataDir, pidFile, port, log);
    } catch (err) {
      // Another process may grab the port between our probe and the server's bind.
      const portRace = err instanceof MariaDbStartError && /address already in use/i.test(err.message);
      if (!portRace || options.port !== undefined || attempt >= MAX_PORT_ATTEMPTS) throw err;
      log(`mariadb: port ${port} was taken, retrying on another port`);
    }
  }
}

interface Binaries {
  readonly server: string;
  readonly installDb: string;
}

async function findBinaries(): Promise<Binaries> {
  // Non-root shells often lack /usr/sbin on PATH, where Debian puts mariadbd.
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  const server = await findExecutable('mariadbd', dirs);
  const installDb = await findExecutable('mariadb-install-db', dirs);
  if (server === undefined || installDb === undefined) {
    throw new MariaDbUnavailableError(
      'MariaDB binaries (mariadbd, mariadb-install-db) were not found. Install them with ' +
        '`apt-get install mariadb-server`, or set MYSQL_URL to an existing MySQL/MariaDB server ' +
        '(mysql://user:password@host:port/database).',
    );
  }
  return { server, installDb };
}

async function findExecutable(name: string, dirs: readonly string[]): Promise<string | undefined> {
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

function rootFlags(): string[] {
  return process.getuid?.() === 0 ? ['--user=root'] : [];
}

async function initialiseDataDir(installDb: string, dataDir: string, log: (line: string) => void) {
  const marker = join(dataDir, INITIALISED_MARKER);
  if (await exists(marker)) return;
  const mysqlDir = join(dataDir, 'mysql');
  // A datadir with system tables but no marker was initialised elsewhere: never wipe data.
  if (await exists(join(mysqlDir, 'mysql'))) {
    await writeFile(marker, `${new Date().toISOString()}\n`);
    return;
  }
  await rm(mysqlDir, { recursive: true, force: true });
  log('mariadb: initialising data directory');
  const args = [
    '--no-defaults',
    `--datadir=${mysqlDir}`,
    `--tmpdir=${await privateTmpDir(dataDir)}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    ...rootFlags(),
  ];
  const result = await runToCompletion(installDb, args);
  if (result.code !== 0) {
    // Half-made system tables would pass for a datadir "initialised elsewhere" at the next start
    // and be kept for good; nothing else is in there yet, so the next start begins afresh.
    await rm(mysqlDir, { recursive: true, force: true });
    const errors = result.output.split('\n').filter((line) => /\bERROR\b/.test(line));
    throw new MariaDbStartError(
      `mariadb-install-db exited with ${result.code}: ${errors.join(' / ') || tail(result.output, STDERR_TAIL_LINES)}`,
    );
  }
  await writeFile(marker, `${new Date().toISOString()}\n`);
}

function runToCompletion(
  command: string,
  args: readonly string[],
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawnChild(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

/** A server left behind by a crashed run still holds the InnoDB lock on our datadir: stop it. */
async function stopStaleServer(pidFile: string, dataDir: string, log: (line: string) => void) {
  let pid: number;
  try {
    pid = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
  } catch {
    await removeRecordedSocketDir(dataDir);
    return;
  }
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && (await servesDataDir(pid, dataDir))) {
    const parent = await parentPid(pid);
    // Orphans are re-parented to init; a server whose parent still runs belongs to a live
    // `npm start` (or test run) elsewhere, and two servers cannot share one datadir.
    if (parent !== undefined && parent > 1 && parent !== process.pid && isAlive(parent)) {
      throw new MariaDbStartError(
        `The data folder ${dataDir} is in use by a running mariadbd (pid ${pid}, parent ${parent}); ` +
          'stop that process or use another data folder',
      );
    }
    log(`mariadb: stopping stale server (pid ${pid}) from a previous run`);
    process.kill(pid, 'SIGTERM');
    if (!(await waitUntil(() => !isAlive(pid), STOP_GRACE_MS))) {
      process.kill(pid, 'SIGKILL');
      await waitUntil(() => !isAlive(pid), STOP_GRACE_MS);
    }
  }
  await rm(pidFile, { force: true });
  await removeRecordedSocketDir(dataDir);
}

/** The socket lives outside dataDir (path length), so its folder is recorded for clean-up. */
function socketDirRecord(dataDir: string): string {
  return join(dataDir, 'mariadbd.socket-dir');
}

/** Removes the recorded socket folder; with `onlyIf`, only when the record still names it. */
async function removeRecordedSocketDir(dataDir: string, onlyIf?: string): Promise<void> {
  let recorded: string;
  try {
    recorded = (await readFile(socketDirRecord(dataDir), 'utf8')).trim();
  } catch {
    return;
  }
  if (onlyIf !== undefined && recorded !== onlyIf) return;
  if (basename(recorded).startsWith(SOCKET_DIR_PREFIX)) await rm(recorded, { recursive: true, force: true });
  await rm(socketDirRecord(dataDir), { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function parentPid(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state, ppid, ...
    const ppid = Number.parseInt(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '', 10);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** Only a mariadbd serving this very datadir is ours to stop; a reused pid is left alone. */
async function servesDataDir(pid: number, dataDir: string): Promise<boolean> {
  try {
    const commandLine = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return commandLine.includes('mariadbd') && commandLine.includes(`--datadir=${join(dataDir, 'mysql')}`);
  } catch {
    return false;
  }
}

async function launch(
  serverBinary: string,
  dataDir: string,
  pidFile: string,
  port: number,
  log: (line: string) => void,
): Promise<RunningMariaDb> {
  // Unix socket paths are limited to 107 bytes, so the socket lives in a short temp dir.
  const socketDir = await mkdtemp(join(tmpdir().length > 60 ? '/tmp' : tmpdir(), SOCKET_DIR_PREFIX));
  await writeFile(socketDirRecord(dataDir), `${socketDir}\n`);
  const args = [
    '--no-defaults',
    `--datadir=${join(dataDir, 'mysql')}`,
    `--tmpdir=${await privateTmpDir(dataDir)}`,
    `--socket=${join(socketDir, 'mysqld.sock')}`,
    `--pid-file=${pidFile}`,
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    '--skip-name-resolve',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_unicode_ci',
    '--innodb-buffer-pool-size=64M',
    '--innodb-log-file-size=32M',
    // A local development server: losing the last second of commits on an OS crash is fine,
    // an fsync per commit would make the test suite several times slower.
    '--innodb-flush-log-at-trx-commit=2',
    '--max-connections=300',
    ...rootFlags(),
  ];
  // SIGTERM is a clean shutdown for mariadbd, also when the kernel sends it because we died. A
  // second Ctrl-C sends SIGKILL like to every child: it must end even a hung server, and InnoDB
  // recovers from it at the next start.
  const child = spawnChild(serverBinary, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    parentDeathSignal: 'SIGTERM',
  });
  const stderrLines: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) {
      if (line.trim() === '') continue;
      stderrLines.push(line);
      if (stderrLines.length > STDERR_TAIL_LINES) stderrLines.shift();
      log(`mariadb: ${line}`);
    }
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: -1, signal: null }));
  });
  const exited = ended.then(({ code }) => code);

  try {
    await waitForReady(port, child, exited, () => stderrLines.join('\n'));
  } catch (err) {
    await terminate(child, exited);
    await rm(socketDir, { recursive: true, force: true });
    await removeRecordedSocketDir(dataDir, socketDir);
    throw err;
  }
  log(`mariadb: ready on 127.0.0.1:${port}`);

  let stopping: Promise<void> | undefined;
  return {
    url: `mysql://root@127.0.0.1:${port}/${DATABASE_NAME}`,
    port,
    exited: ended,
    stop() {
      stopping ??= (async () => {
        await terminate(child, exited);
        await rm(socketDir, { recursive: true, force: true });
        await removeRecordedSocketDir(dataDir, socketDir);
      })();
      return stopping;
    },
  };
}

async function waitForReady(
  port: number,
  child: ChildProcess,
  exited: Promise<number | null>,
  stderrTail: () => string,
): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exitCode !== undefined || child.exitCode !== null) {
      throw new MariaDbStartError(
        `mariadbd exited with ${exitCode ?? child.exitCode} before accepting connections:\n${stderrTail()}`,
      );
    }
    try {
      const connection = await createConnection({
        host: '127.0.0.1',
        port,
        user: 'root',
        connectTimeout: 1000,
      });
      try {
        await connection.query(
          `CREATE DATABASE IF NOT EXISTS \`${DATABASE_NAME}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
        );
      } finally {
        await connection.end();
      }
      return;
    } catch (err) {
      lastError = err;
      await sleep(100);
    }
  }
  throw new MariaDbStartError(
    `mariadbd did not accept connections on port ${port} within ${READY_TIMEOUT_MS / 1000} s:\n${stderrTail()}`,
    { cause: lastError },
  );
}

async function terminate(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A port free on 127.0.0.1 a moment ago, for a server that must be told its port before it binds.
 * It is drawn from below Linux's ephemeral range (32768–60999), where port-0 listeners and outgoing
 * connections take theirs: between this probe and the real bind, nothing else on the machine is
 * likely to be handed the same number (a loaded test run once was).
 */
export async function findFreePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = FIXED_PORT_LOW + Math.floor(Math.random() * (FIXED_PORT_HIGH - FIXED_PORT_LOW));
    if (await canListen(port)) return port;
  }
  throw new Error('could not find a free port below the ephemeral range');
}

const FIXED_PORT_LOW = 20_000;
const FIXED_PORT_HIGH = 32_700;

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * Each server's own temporary folder. With the shared /tmp, a server starting up removes the
 * `#sql-temptable-*` files of another one running beside it: concurrent `mariadb-install-db` runs
 * then failed about one time in eight ("Unknown table 'mysql.tmp_user_sys'"), e.g. two test files
 * each starting a local cloud.
 */
async function privateTmpDir(dataDir: string): Promise<string> {
  const dir = join(dataDir, 'tmp');
  await mkdir(dir, { recursive: true });
  return dir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await sleep(50);
  }
  return condition();
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function tail(text: string, lines: number): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

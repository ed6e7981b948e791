import { readFileSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from './publish.ts';

/** `mkdtemp(<WORK_DIR>/agent-)`: `agent-` and six characters. Nothing else is ever removed. */
const AGENT_DIR = /^agent-[A-Za-z0-9]{6}$/;
const OWNER_FILE = 'owner';

/** The agent's private folder below `root`, with an owner file (pid and its start time). */
export async function createAgentWorkDir(root: string): Promise<string> {
  const dir = await mkdtemp(join(root, 'agent-'));
  await writeFile(join(dir, OWNER_FILE), `${process.pid} ${startTime(process.pid) ?? '-'}\n`, {
    mode: 0o600,
  });
  return dir;
}

/**
 * At start: removes the folders earlier agents left below `root` when they were killed (SIGKILL, a
 * crash: no drain removed them). A folder is left alone unless its name is this agent's scheme, it is
 * a real folder (never a symlink; `rm` does not follow the ones inside), and its owner is gone (pid
 * not running, or running with another start time, i.e. reused). A folder without an owner file is
 * removed only once it is older than `graceMs` (another agent may be creating it right now).
 */
export async function removeLeftoverAgentDirs(
  root: string,
  options: { log: Log; graceMs?: number },
): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await readdir(root);
  } catch {
    return removed;
  }
  for (const name of entries) {
    if (!AGENT_DIR.test(name)) continue;
    const dir = join(root, name);
    try {
      const info = await lstat(dir);
      if (!info.isDirectory()) continue;
      const owner = await readOwner(dir);
      if (owner === undefined) {
        if (Date.now() - info.mtimeMs < (options.graceMs ?? 60_000)) continue;
      } else if (isAlive(owner.pid, owner.start)) {
        continue;
      }
      await rm(dir, { recursive: true, force: true });
      removed.push(name);
      options.log('info', 'leftover work folder removed', { folder: name, ownerPid: owner?.pid });
    } catch (error) {
      options.log('warn', 'leftover work folder could not be removed', {
        folder: name,
        error: (error as Error).message,
      });
    }
  }
  return removed;
}

async function readOwner(dir: string): Promise<{ pid: number; start: string | undefined } | undefined> {
  const file = join(dir, OWNER_FILE);
  try {
    if (!(await lstat(file)).isFile()) return undefined;
    const [pid, start] = (await readFile(file, 'utf8')).trim().split(' ');
    const n = Number(pid);
    if (!Number.isInteger(n) || n <= 0) return undefined;
    return { pid: n, start: start && start !== '-' ? start : undefined };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number, start: string | undefined): boolean {
  const now = startTime(pid);
  if (start !== undefined && now !== undefined) return now === start;
  if (start !== undefined && process.platform === 'linux') return false; // no /proc entry: gone
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Linux: field 22 of /proc/<pid>/stat (start time in clock ticks since boot), else undefined. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

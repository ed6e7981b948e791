import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lutimes, mkdir, mkdtemp, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentWorkDir, removeLeftoverAgentDirs } from '../../../../workers/live-ingest/work-dir.ts';

let root: string;
let outside: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fc-live-workdir-'));
  outside = await mkdtemp(join(tmpdir(), 'fc-live-outside-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  return child.pid as number;
}

describe('Function: removeLeftoverAgentDirs', () => {
  it('removes folders of dead agents only: not live ones, fresh unowned ones, symlinks or other names', async () => {
    const logs: string[] = [];
    const log = (_level: string, msg: string, fields?: Record<string, unknown>) =>
      logs.push(JSON.stringify({ msg, ...fields }));
    const mine = await createAgentWorkDir(root); // this process: alive
    const dead = join(root, 'agent-Dead01');
    await mkdir(join(dead, 'ladders', 'S1-s1', '720p'), { recursive: true });
    await writeFile(join(dead, 'owner'), `${await deadPid()} 12345\n`);
    // A reused pid: this process's pid with another start time.
    const reused = join(root, 'agent-Reuse1');
    await mkdir(reused);
    await writeFile(join(reused, 'owner'), `${process.pid} 1\n`);
    // No owner file (an older agent, or one creating its folder right now).
    const oldUnowned = join(root, 'agent-Old001');
    await mkdir(oldUnowned);
    await utimes(oldUnowned, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const freshUnowned = join(root, 'agent-Fresh1');
    await mkdir(freshUnowned);
    // Not ours: a symlink with our naming (its target and content stay), other names, a file.
    await writeFile(join(outside, 'keep.txt'), 'keep');
    await symlink(outside, join(root, 'agent-Link01'));
    await lutimes(join(root, 'agent-Link01'), new Date(0), new Date(0));
    await mkdir(join(root, 'agent-toolong7'));
    await utimes(join(root, 'agent-toolong7'), new Date(0), new Date(0));
    await mkdir(join(root, 'nginx'));
    await writeFile(join(root, 'agent-File01'), 'x');
    // A symlink inside a dead folder is removed, never followed.
    await symlink(outside, join(dead, 'ladders', 'escape'));

    const removed = await removeLeftoverAgentDirs(root, { log });

    expect(removed.sort()).toEqual(['agent-Dead01', 'agent-Old001', 'agent-Reuse1']);
    for (const dir of [dead, reused, oldUnowned]) expect(existsSync(dir)).toBe(false);
    for (const dir of [mine, freshUnowned, join(root, 'agent-toolong7'), join(root, 'nginx')]) {
      expect(existsSync(dir)).toBe(true);
    }
    expect(existsSync(join(root, 'agent-Link01'))).toBe(true);
    expect(existsSync(join(root, 'agent-File01'))).toBe(true);
    expect(await readFile(join(outside, 'keep.txt'), 'utf8')).toBe('keep');
    expect(logs.filter((l) => l.includes('leftover work folder removed'))).toHaveLength(3);
    expect(basename(mine)).toMatch(/^agent-[A-Za-z0-9]{6}$/);
    // A missing WORK_DIR is no error.
    expect(await removeLeftoverAgentDirs(join(root, 'missing'), { log })).toEqual([]);
  });
});

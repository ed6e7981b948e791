import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (ms) used so far by this process and its descendants (the local cloud: gateway,
 * FDK processes, MariaDB), leaving out the load generator (`wrk`) and anything below it. On a
 * shared machine the cores other work takes slow every run alike; what a request costs the
 * cloud in core-milliseconds does not depend on that, so it is the steadier figure. Linux only;
 * undefined elsewhere.
 */
export function treeCpuMs(exclude: readonly string[] = ['wrk']): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  const processes = new Map<number, { ppid: number; comm: string; ms: number }>();
  for (const name of entries) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // comm may hold spaces and parentheses: the fields after it start at the last ')'.
      const close = stat.lastIndexOf(')');
      const comm = stat.slice(stat.indexOf('(') + 1, close);
      const fields = stat.slice(close + 2).split(' ');
      const ticks = Number(fields[11]) + Number(fields[12]);
      processes.set(Number(name), { ppid: Number(fields[1]), comm, ms: (ticks * 1000) / TICKS_PER_SECOND });
    } catch {
      // Gone between the listing and the read.
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of processes) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  let total = 0;
  const stack = [process.pid];
  while (stack.length > 0) {
    const pid = stack.pop() as number;
    const entry = processes.get(pid);
    if (!entry || exclude.includes(entry.comm)) continue;
    total += entry.ms;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}

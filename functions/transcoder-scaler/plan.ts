import type { PoolMember } from '#shared/pool/container-pool.ts';

export interface ScalingInput {
  /** Jobs waiting on the queue. */
  readonly visible: number;
  /** Jobs leased by a worker right now. */
  readonly inFlight: number;
  readonly members: readonly PoolMember[];
  readonly min: number;
  readonly max: number;
  /** Jobs one worker takes at once (the transcoder leases one). */
  readonly jobsPerWorker: number;
}

export interface ScalingPlan {
  /** Workers the queue asks for, within [min, max]. */
  readonly desired: number;
  /** Members running or on their way (starting counts: it will be running soon). */
  readonly active: number;
  readonly start: readonly string[];
  readonly stop: readonly string[];
  readonly reason: string;
}

/**
 * How many transcoders the queue needs, and which members to start or stop to get there.
 * Scale-up is immediate (a backlog waits for every missing worker); scale-down is gradual: one
 * stop per evaluation, only when nothing is waiting and no member is starting or stopping, and never
 * below the workers holding jobs. A stopped worker finishes or releases its job (SIGTERM), so a
 * stop too many costs a retry, never a job. Pure: the same input always gives the same plan, so
 * concurrent evaluations agree on what to start.
 */
export function planScaling(input: ScalingInput): ScalingPlan {
  const { min, max, jobsPerWorker } = input;
  const visible = Math.max(0, input.visible);
  const inFlight = Math.max(0, input.inFlight);
  const desired = clamp(Math.ceil((visible + inFlight) / jobsPerWorker), min, max);
  const byId = [...input.members].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const active = byId.filter((member) => member.state === 'running' || member.state === 'starting').length;
  const plan = (start: string[], stop: string[], reason: string): ScalingPlan => ({
    desired,
    active,
    start,
    stop,
    reason,
  });

  if (desired > active) {
    // Lowest ids first, so evaluations running at once pick the same members.
    const stopped = byId.filter((member) => member.state === 'stopped').map((member) => member.id);
    const start = stopped.slice(0, desired - active);
    const short = desired - active - start.length;
    return plan(
      start,
      [],
      short > 0
        ? `scale up by ${start.length}; ${short} more wanted but no stopped member is left`
        : `scale up by ${start.length}`,
    );
  }
  if (desired === active) return plan([], [], 'at the desired size');

  if (visible > 0) return plan([], [], 'over the desired size, but jobs are waiting');
  // OCI reports a stop in progress as UPDATING, which the adapter can only read as `starting`:
  // any member changing state may be the last stop, so wait for the pool to settle first.
  if (byId.some((member) => member.state === 'stopping' || member.state === 'starting')) {
    return plan([], [], 'over the desired size; a member is still starting or stopping');
  }
  const floor = Math.max(min, Math.ceil(inFlight / jobsPerWorker));
  if (active - 1 < floor) return plan([], [], 'at the floor of busy workers');
  // The highest id, so the pool shrinks from its end and keeps its first members warm.
  const victim = byId.filter((member) => member.state === 'running').at(-1);
  if (!victim) return plan([], [], 'over the desired size, but no member is running yet');
  return plan([], [victim.id], 'scale down by 1');
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

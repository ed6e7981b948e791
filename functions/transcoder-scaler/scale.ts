import type { ContainerPool } from '#shared/pool/container-pool.ts';
import type { WorkQueue } from '#shared/queue/work-queue.ts';
import { planScaling, type ScalingPlan } from './plan.ts';

export interface ScaleDeps {
  readonly queue: Pick<WorkQueue, 'stats'>;
  readonly pool: ContainerPool;
  readonly min: number;
  readonly max: number;
  readonly jobsPerWorker: number;
}

export interface ScaleSummary extends ScalingPlan {
  readonly visible: number;
  readonly inFlight: number;
  readonly members: Readonly<Record<string, number>>;
  readonly started: readonly string[];
  readonly stopped: readonly string[];
}

/**
 * One evaluation: read the queue and the pool, plan, apply. Safe to run concurrently: a start of a
 * member already starting or running is a no-op in both pools, the plan picks members in a fixed
 * order so concurrent runs pick the same ones, and a stop is only planned when none is under way.
 */
export async function scaleOnce(deps: ScaleDeps): Promise<ScaleSummary> {
  const [stats, members] = await Promise.all([deps.queue.stats(), deps.pool.list()]);
  const plan = planScaling({
    visible: stats.visible,
    inFlight: stats.inFlight,
    members,
    min: deps.min,
    max: deps.max,
    jobsPerWorker: deps.jobsPerWorker,
  });
  await Promise.all(plan.start.map((id) => deps.pool.start(id)));
  for (const id of plan.stop) await deps.pool.stop(id);
  const counts: Record<string, number> = {};
  for (const member of members) counts[member.state] = (counts[member.state] ?? 0) + 1;
  return {
    ...plan,
    visible: stats.visible,
    inFlight: stats.inFlight,
    members: counts,
    started: plan.start,
    stopped: plan.stop,
  };
}

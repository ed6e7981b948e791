import { describe, expect, it } from 'vitest';
import { planScaling, type ScalingInput } from '#functions/transcoder-scaler/plan.ts';
import type { PoolMember, PoolMemberState } from '#shared/pool/container-pool.ts';

/** Members m1, m2, ... in the given states. */
const pool = (...states: PoolMemberState[]): PoolMember[] =>
  states.map((state, index) => ({ id: `m${index + 1}`, state }));

const input = (fields: Partial<ScalingInput>): ScalingInput => ({
  visible: 0,
  inFlight: 0,
  members: pool('stopped', 'stopped', 'stopped'),
  min: 0,
  max: 3,
  jobsPerWorker: 1,
  ...fields,
});

describe('Function: planScaling', () => {
  it('scales up at once to one worker per job, starting the lowest stopped ids', () => {
    const plan = planScaling(input({ visible: 2, members: pool('stopped', 'stopped', 'stopped') }));

    expect(plan).toMatchObject({ desired: 2, active: 0, start: ['m1', 'm2'], stop: [] });
  });

  it('counts starting members as capacity, so a second evaluation starts nothing more', () => {
    const plan = planScaling(input({ visible: 2, members: pool('starting', 'starting', 'stopped') }));

    expect(plan).toMatchObject({ desired: 2, active: 2, start: [], stop: [] });
  });

  it('caps at max and says when no stopped member is left to start', () => {
    expect(planScaling(input({ visible: 10 }))).toMatchObject({ desired: 3, start: ['m1', 'm2', 'm3'] });
    const short = planScaling(input({ visible: 10, members: pool('running', 'failed', 'stopping') }));
    expect(short).toMatchObject({ desired: 3, active: 1, start: [] });
    expect(short.reason).toMatch(/2 more wanted/);
  });

  it('keeps min running with an empty queue', () => {
    const plan = planScaling(input({ min: 1, members: pool('stopped', 'stopped', 'stopped') }));

    expect(plan).toMatchObject({ desired: 1, start: ['m1'] });
  });

  it('groups jobs per worker when a worker takes several', () => {
    expect(planScaling(input({ visible: 3, inFlight: 2, jobsPerWorker: 2 })).desired).toBe(3);
    expect(planScaling(input({ visible: 1, jobsPerWorker: 4 })).desired).toBe(1);
  });

  it('scales down by one stop at a time, the highest running id, when nothing waits', () => {
    const plan = planScaling(input({ inFlight: 1, members: pool('running', 'running', 'running') }));

    expect(plan).toMatchObject({ desired: 1, active: 3, start: [], stop: ['m3'] });
  });

  it('does not scale down while jobs wait, even above the desired size', () => {
    const plan = planScaling(input({ visible: 1, members: pool('running', 'running', 'running') }));

    expect(plan).toMatchObject({ desired: 1, start: [], stop: [] });
  });

  it('waits for a stop under way before planning another', () => {
    const plan = planScaling(input({ members: pool('running', 'running', 'stopping') }));

    expect(plan.stop).toEqual([]);
    expect(plan.reason).toMatch(/still starting or stopping/);
  });

  it('waits while a member is starting: on OCI that is also how a stop in progress reads (UPDATING)', () => {
    // m3 was stopped a tick ago and OCI still lists it as UPDATING; m2 must not go too.
    const plan = planScaling(input({ members: pool('running', 'running', 'starting') }));

    expect(plan).toMatchObject({ desired: 0, active: 3, stop: [] });
    expect(plan.reason).toMatch(/still starting or stopping/);
  });

  it('never stops below the workers holding jobs or below min', () => {
    // The queue says two jobs are leased: two workers are busy, whatever max says.
    const busy = planScaling(input({ inFlight: 2, max: 1, members: pool('running', 'running', 'stopped') }));
    expect(busy).toMatchObject({ desired: 1, stop: [] });
    expect(busy.reason).toMatch(/floor/);

    const atMin = planScaling(input({ min: 2, members: pool('running', 'running', 'stopped') }));
    expect(atMin).toMatchObject({ desired: 2, stop: [] });
  });

  it('never stops a starting member (OCI would ignore it), only running ones', () => {
    const plan = planScaling(input({ members: pool('starting', 'starting', 'stopped') }));

    expect(plan).toMatchObject({ desired: 0, stop: [] });
  });

  it('gives the same plan whatever order the pool lists its members in', () => {
    const members = pool('stopped', 'running', 'stopped');
    const forward = planScaling(input({ visible: 3, members }));
    const reversed = planScaling(input({ visible: 3, members: [...members].reverse() }));

    expect(reversed).toEqual(forward);
    expect(forward.start).toEqual(['m1', 'm3']);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import { defineManifest, type FunctionManifest } from '#shared/runtime/manifest.ts';
import type { CallOutcome, FnRunner } from '../../../../infra/local/fn/runner.ts';
import { eventNudges, Scheduler } from '../../../../infra/local/scheduler.ts';

/** A runner whose calls end when the test says so, recording each call's function. */
function gatedRunner() {
  const calls: string[] = [];
  const pending: Array<() => void> = [];
  const runner = {
    call(name: string): Promise<CallOutcome> {
      calls.push(name);
      return new Promise((resolve) => {
        pending.push(() => resolve(ok({ status: 'processed' })));
      });
    },
  } as unknown as FnRunner;
  return {
    runner,
    calls,
    /** Ends the oldest call in flight. */
    finishOne: async () => {
      pending.shift()?.();
      await flush();
    },
    inFlight: () => pending.length,
  };
}

function ok(answer: unknown): CallOutcome {
  return {
    kind: 'ok',
    callId: 'c',
    reply: { status: 200, headers: {}, rawHeaders: [], body: Buffer.from(JSON.stringify(answer)) },
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const HOUR = 3_600_000;

function scheduled(name: string, extra: Partial<FunctionManifest> = {}): FunctionManifest {
  return defineManifest({
    name,
    summary: name,
    kind: 'event',
    memoryMb: 128,
    timeoutSeconds: 30,
    routes: [],
    events: [],
    schedules: [{ name: 'tick', everySeconds: 1 }],
    config: [],
    ...extra,
  });
}

describe('Class: Scheduler', () => {
  let scheduler: Scheduler | undefined;
  afterEach(async () => {
    await scheduler?.close();
    scheduler = undefined;
  });

  describe('Method: nudge', () => {
    it('runs an idle schedule at once, outside its timer', async () => {
      // Arrange
      const gate = gatedRunner();
      scheduler = new Scheduler({
        runner: gate.runner,
        calls: [{ functionName: 'outbox-relay', schedule: 'relay', everyMs: HOUR }],
      });
      scheduler.start();

      // Act
      scheduler.nudge('outbox-relay');
      await flush();

      // Assess
      expect(gate.calls).toEqual(['outbox-relay']);
      await gate.finishOne();
    });

    it('turns a burst of nudges during a run into exactly one more run, right after it', async () => {
      // Arrange
      const gate = gatedRunner();
      scheduler = new Scheduler({
        runner: gate.runner,
        calls: [{ functionName: 'outbox-relay', schedule: 'relay', everyMs: HOUR }],
      });
      scheduler.start();
      scheduler.nudge('outbox-relay');
      await flush();

      // Act
      for (let i = 0; i < 10; i += 1) scheduler.nudge('outbox-relay');
      await flush();
      const whileRunning = gate.calls.length;
      await gate.finishOne();
      const afterFirst = gate.calls.length;
      await gate.finishOne();

      // Assess: never two at once, one follow-up, then quiet
      expect(whileRunning).toBe(1);
      expect(afterFirst).toBe(2);
      expect(gate.calls).toEqual(['outbox-relay', 'outbox-relay']);
      expect(gate.inFlight()).toBe(0);
    });

    it('joins a nudge to a tick fired by runNow instead of running alongside it', async () => {
      // Arrange
      const gate = gatedRunner();
      scheduler = new Scheduler({
        runner: gate.runner,
        calls: [{ functionName: 'warehouse-loader', schedule: 'load', everyMs: HOUR }],
      });
      scheduler.start();
      const tick = scheduler.runNow('warehouse-loader');

      // Act
      scheduler.nudge('warehouse-loader');
      await gate.finishOne();
      await tick;
      await flush();

      // Assess
      expect(gate.calls).toEqual(['warehouse-loader', 'warehouse-loader']);
      await gate.finishOne();
    });

    it('ignores names without a schedule, and every nudge when ticks are left to the test or after close', async () => {
      // Arrange
      const gate = gatedRunner();
      const manual = new Scheduler({
        runner: gate.runner,
        calls: [{ functionName: 'outbox-relay', schedule: 'relay', everyMs: HOUR }],
        autoStart: false,
      });
      scheduler = new Scheduler({
        runner: gate.runner,
        calls: [{ functionName: 'outbox-relay', schedule: 'relay', everyMs: HOUR }],
      });
      scheduler.start();

      // Act
      scheduler.nudge('not-in-the-catalog');
      manual.start();
      manual.nudge('outbox-relay');
      await scheduler.close();
      scheduler.nudge('outbox-relay');
      await flush();

      // Assess
      expect(gate.calls).toEqual([]);
      await manual.close();
    });
  });
});

describe('Function: eventNudges', () => {
  const catalog = [
    scheduled('outbox-relay'),
    scheduled('webhook-dispatch'),
    scheduled('warehouse-loader', { eventStream: { access: 'consume', group: 'warehouse' } }),
    scheduled('settler'),
    defineManifest({
      name: 'shows',
      summary: 'shows',
      kind: 'http',
      memoryMb: 128,
      timeoutSeconds: 30,
      routes: [{ method: 'GET', path: '/shows', auth: { type: 'anonymous' } }],
      events: [],
      config: [],
    }),
  ];
  const nudgesAfter = eventNudges(catalog);

  it('nudges the relay after any call that may have written to the outbox', () => {
    // Act / Assess
    expect(nudgesAfter('shows', ok({}))).toEqual(['outbox-relay']);
    expect(nudgesAfter('settler', { kind: 'timeout', callId: 'c' })).toEqual(['outbox-relay']);
  });

  it('nudges the consumers in the catalog after a relay run that published, and nobody after one that did not', () => {
    // Act / Assess
    expect(
      nudgesAfter('outbox-relay', ok({ status: 'processed', detail: { busy: false, published: 3 } })),
    ).toEqual(['webhook-dispatch', 'warehouse-loader']);
    expect(
      nudgesAfter('outbox-relay', ok({ status: 'processed', detail: { busy: false, published: 0 } })),
    ).toEqual([]);
    expect(nudgesAfter('outbox-relay', ok({ status: 'processed', detail: { busy: true } }))).toEqual([]);
  });

  it('lets consumers nudge nobody, so relay and consumers never keep each other running', () => {
    // Act / Assess
    expect(nudgesAfter('warehouse-loader', ok({}))).toEqual([]);
    expect(nudgesAfter('webhook-dispatch', ok({}))).toEqual([]);
  });

  it('nudges nothing that is not in the catalog yet', () => {
    // Arrange
    const withoutRelay = eventNudges([scheduled('settler')]);

    // Act / Assess
    expect(withoutRelay('settler', ok({}))).toEqual([]);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { SCHEDULE_TICK_TYPE, scheduleTick } from '#events/schedule-tick.ts';
import { scheduledFunction } from '#shared/runtime/scheduled-function.ts';

const manifest = { name: 'sweeper', schedules: [{ name: 'sweep' }, { name: 'nightly' }] };
const body = (value: unknown) => Buffer.from(JSON.stringify(value));

describe('scheduledFunction', () => {
  beforeEach(() => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("runs the tick handler for this function's ticks and returns its outcome", async () => {
    const onTick = vi.fn(async () => ({ status: 'processed' as const, detail: { swept: 2 } }));
    const fn = scheduledFunction(manifest, onTick);

    const tick = scheduleTick('sweeper', 'nightly', new Date('2026-01-02T03:04:05Z'));
    expect(await fn.deliver(body(tick))).toEqual({ status: 'processed', detail: { swept: 2 } });
    expect(onTick).toHaveBeenCalledWith(tick);
  });

  it('ignores a tick addressed to another function without running its work', async () => {
    const onTick = vi.fn(async () => ({ status: 'processed' as const }));
    const fn = scheduledFunction(manifest, onTick);

    expect(await fn.deliver(body(scheduleTick('settler', 'settle')))).toEqual({
      status: 'ignored',
      reason: 'a tick for settler',
    });
    expect(onTick).not.toHaveBeenCalled();
  });

  it("takes an empty body as the first schedule's tick, with a fresh event id", async () => {
    const onTick = vi.fn(async () => ({ status: 'processed' as const }));
    const fn = scheduledFunction(manifest, onTick);

    expect(await fn.deliver(Buffer.alloc(0))).toEqual({ status: 'processed' });
    expect(onTick).toHaveBeenCalledWith(
      expect.objectContaining({
        eventType: SCHEDULE_TICK_TYPE,
        eventID: expect.stringMatching(/^sweeper:sweep:\d+$/),
        data: { function: 'sweeper', schedule: 'sweep' },
      }),
    );
  });

  it('rejects a body that is not a tick when it takes nothing else', async () => {
    const onTick = vi.fn(async () => ({ status: 'processed' as const }));
    const fn = scheduledFunction(manifest, onTick);

    expect((await fn.deliver(body({ eventType: 'com.example.other' }))).status).toBe('rejected');
    expect(onTick).not.toHaveBeenCalled();
  });

  it('hands other events to `also`, and a tick to onTick even when `also` would accept anything', async () => {
    const onTick = vi.fn(async () => ({ status: 'processed' as const, detail: { from: 'tick' } }));
    // Like an alarm notification: every field optional, unknown ones stripped.
    const handle = vi.fn(async () => ({ status: 'processed' as const, detail: { from: 'alarm' } }));
    const fn = scheduledFunction(manifest, onTick, {
      schema: z.object({ title: z.string().optional() }),
      handle,
    });

    expect(await fn.deliver(body({ title: 'backlog' }))).toEqual({
      status: 'processed',
      detail: { from: 'alarm' },
    });
    expect(handle).toHaveBeenCalledWith({ title: 'backlog' });
    expect(await fn.deliver(body(scheduleTick('sweeper', 'sweep')))).toEqual({
      status: 'processed',
      detail: { from: 'tick' },
    });
    expect(await fn.deliver(body(scheduleTick('other', 'sweep')))).toEqual({
      status: 'ignored',
      reason: 'a tick for other',
    });
    expect(onTick).toHaveBeenCalledTimes(1);
    expect(handle).toHaveBeenCalledTimes(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { type AgentOptions, LiveIngestAgent } from '../../../../workers/live-ingest/agent.ts';
import {
  type AuthorizeAnswer,
  type ControlPlane,
  ControlPlaneUnavailableError,
  httpControlPlane,
} from '../../../../workers/live-ingest/control-plane.ts';
import { ladderArgs } from '../../../../workers/live-ingest/ladder.ts';
import { RefusalBudget } from '../../../../workers/live-ingest/refusal-budget.ts';

const KEY = 'fcsk_unit_key_that_must_not_leak_0123456789abcde';
const KEY2 = 'fcsk_unit_key_two_must_not_leak_0123456789abcdef';
const answer = (streamId: string, session = 1): AuthorizeAnswer => ({
  streamId,
  assetId: `A${streamId}`,
  session,
  mediaPrefix: `videos/A${streamId}/live/`,
  segmentSeconds: 1,
  updateIntervalSeconds: 5,
  recordedSeconds: 0,
  ladder: [{ name: '360p', width: 640, height: 360, videoBitrate: 800_000 }],
  audioBitrate: 128_000,
});

function agentWith(controlPlane: Partial<ControlPlane>, logs: string[] = []) {
  return new LiveIngestAgent(optionsWith(controlPlane, logs));
}

function optionsWith(controlPlane: Partial<ControlPlane>, logs: string[] = []): AgentOptions {
  return {
    store: {} as ObjectStore,
    bucket: 'media',
    controlPlane: {
      authorize: async () => ({ ok: true, answer: answer('S1') }),
      update: async () => ({ ok: true }),
      done: async () => {},
      ...controlPlane,
    },
    workDir: '/nonexistent',
    ports: { rtmp: 0, rtmps: 0 },
    publicHost: '127.0.0.1',
    nginx: 'nginx',
    ffmpeg: 'ffmpeg',
    openssl: 'openssl',
    preset: 'veryfast',
    drainSeconds: 1,
    log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })),
  };
}

describe('Class: LiveIngestAgent', () => {
  describe('Method: gate', () => {
    it('refuses a second publish of a key while the first holds it, without asking the function', async () => {
      let calls = 0;
      let release: () => void = () => {};
      const agent = agentWith({
        authorize: async () => {
          calls += 1;
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { ok: true, answer: answer('S1') };
        },
      });
      const first = agent.gate(KEY, 'rtmp');
      const second = await agent.gate(KEY, 'rtmp');
      expect(second).toMatchObject({ ok: false, status: 409, code: 'already-live' });
      release();
      expect((await first).ok).toBe(true);
      expect(await agent.gate(KEY, 'whip')).toMatchObject({ ok: false, status: 409, code: 'already-live' });
      expect(calls).toBe(1);
    });

    it('refuses a second stream id even under another key (one ladder per stream)', async () => {
      const agent = agentWith({});
      expect((await agent.gate(KEY, 'rtmp')).ok).toBe(true);
      expect(await agent.gate(KEY2, 'rtmp')).toMatchObject({ status: 409, code: 'already-live' });
    });

    it('hands a granted session it refuses locally back with done (error) before answering 409', async () => {
      const dones: unknown[] = [];
      let session = 0;
      const logs: string[] = [];
      const agent = agentWith(
        {
          authorize: async () => {
            session += 1;
            return { ok: true, answer: answer('S1', session) };
          },
          done: async (streamId, body) => {
            dones.push({ streamId, ...body });
          },
        },
        logs,
      );
      expect((await agent.gate(KEY, 'rtmp')).ok).toBe(true);
      expect(await agent.gate(KEY2, 'rtmp')).toMatchObject({ status: 409, code: 'already-live' });
      await expect
        .poll(() => dones)
        .toEqual([{ streamId: 'S1', session: 2, recordedSeconds: 0, segments: 0, reason: 'error' }]);
      await expect.poll(() => logs.join('\n')).toContain('unused session released');
      expect(logs.join('\n')).not.toContain(KEY2);
    });

    it('sends no done when the function answers the very session the agent already runs', async () => {
      const dones: unknown[] = [];
      const agent = agentWith({
        authorize: async () => ({ ok: true, answer: answer('S1', 1) }),
        done: async (streamId, body) => {
          dones.push({ streamId, ...body });
        },
      });
      expect((await agent.gate(KEY, 'rtmp')).ok).toBe(true);
      expect(await agent.gate(KEY2, 'whip')).toMatchObject({ status: 409, code: 'already-live' });
      await new Promise((r) => setTimeout(r, 50));
      expect(dones).toEqual([]);
    });

    it('hands the session back (503 draining) when draining starts while authorize runs', async () => {
      const dones: unknown[] = [];
      let release: () => void = () => {};
      const agent = agentWith({
        authorize: async () => {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { ok: true, answer: answer('S7', 4) };
        },
        done: async (streamId, body) => {
          dones.push({ streamId, ...body });
        },
      });
      const pending = agent.gate(KEY, 'rtmp');
      await new Promise((r) => setTimeout(r, 10));
      await agent.drain();
      release();
      expect(await pending).toMatchObject({ ok: false, status: 503, code: 'draining' });
      await expect
        .poll(() => dones)
        .toEqual([{ streamId: 'S7', session: 4, recordedSeconds: 0, segments: 0, reason: 'error' }]);
    });

    it('refuses anything not shaped like a key without asking the function', async () => {
      let calls = 0;
      const logs: string[] = [];
      const agent = agentWith(
        {
          authorize: async () => {
            calls += 1;
            return { ok: true, answer: answer('S1') };
          },
        },
        logs,
      );
      for (const junk of ['junk', `${KEY}x`, KEY.slice(0, -1), `fcsk_${'a'.repeat(42)}!`, '']) {
        expect(await agent.gate(junk, 'rtmp', '198.51.100.1')).toMatchObject({
          status: 403,
          code: 'unknown-key',
        });
      }
      expect(await agent.whipAuthorize('junk')).toMatchObject({ status: 401, code: 'unknown-key' });
      expect(calls).toBe(0);
      expect(logs.join('\n')).not.toContain('junk');
    });

    it('refuses an address that keeps presenting unknown keys without asking, for a while', async () => {
      let calls = 0;
      let now = 1_000_000;
      const agent = new LiveIngestAgent({
        ...optionsWith({
          authorize: async () => {
            calls += 1;
            return { ok: false, status: 403, code: 'unknown-key', detail: 'Unknown stream key' };
          },
        }),
        refusalBudget: new RefusalBudget({ capacity: 5, perMinute: 5, now: () => now }),
      });
      for (let i = 0; i < 5; i += 1) {
        expect(await agent.gate(KEY, 'rtmp', '203.0.113.9')).toMatchObject({
          status: 403,
          code: 'unknown-key',
        });
      }
      expect(calls).toBe(5);
      // Junk shapes spend the budget too; both are now refused at once.
      expect(await agent.gate(KEY, 'rtmp', '203.0.113.9')).toMatchObject({
        status: 429,
        code: 'too-many-refusals',
      });
      expect(await agent.whipAuthorize(KEY2, { clientIp: '203.0.113.9' })).toMatchObject({ status: 429 });
      expect(calls).toBe(5);
      // Another address, and loopback (RTMPS through the TLS proxy), are still asked.
      expect(await agent.gate(KEY, 'rtmp', '203.0.113.10')).toMatchObject({ status: 403 });
      for (let i = 0; i < 7; i += 1)
        expect(await agent.gate(KEY, 'rtmp', '127.0.0.1')).toMatchObject({ status: 403 });
      expect(calls).toBe(6 + 7);
      // A token comes back after 12 s (5 a minute).
      now += 12_500;
      expect(await agent.gate(KEY, 'rtmp', '203.0.113.9')).toMatchObject({
        status: 403,
        code: 'unknown-key',
      });
      expect(calls).toBe(14);
      expect(await agent.gate(KEY, 'rtmp', '203.0.113.9')).toMatchObject({ status: 429 });
    });

    it('passes the function refusals through, 401 for an unknown key over WHIP', async () => {
      const agent = agentWith({
        authorize: async () => ({
          ok: false,
          status: 403,
          code: 'unknown-key',
          detail: 'Unknown stream key',
        }),
      });
      expect(await agent.gate(KEY, 'rtmp')).toMatchObject({ ok: false, status: 403, code: 'unknown-key' });
      expect(await agent.whipAuthorize(KEY)).toMatchObject({ ok: false, status: 401, code: 'unknown-key' });
      // Refused keys are not held.
      expect(await agent.gate(KEY, 'rtmp')).toMatchObject({ status: 403 });
    });

    it('answers 503 when the function is unreachable and while draining, and never logs the key', async () => {
      const logs: string[] = [];
      const down = agentWith(
        {
          authorize: async () => {
            throw new ControlPlaneUnavailableError('down', { status: 502 });
          },
        },
        logs,
      );
      expect(await down.gate(KEY, 'rtmp')).toMatchObject({ status: 503, code: 'control-plane-unavailable' });
      const draining = agentWith({}, logs);
      await draining.drain();
      expect(await draining.gate(KEY, 'rtmp')).toMatchObject({ status: 503, code: 'draining' });
      expect(logs.join('\n')).not.toContain(KEY);
    });
  });
});

describe('Class: RefusalBudget', () => {
  it('spends a token per refusal, refills over time and forgets the oldest addresses beyond its cap', () => {
    let now = 0;
    const budget = new RefusalBudget({ capacity: 2, perMinute: 6, maxTracked: 2, now: () => now });
    expect(budget.spend('a')).toBe(false);
    expect(budget.spend('a')).toBe(true);
    expect(budget.allows('a')).toBe(false);
    now += 10_000;
    expect(budget.allows('a')).toBe(true);
    budget.spend('b');
    budget.spend('b');
    budget.spend('c'); // three tracked: 'a' (the oldest) is forgotten, i.e. a fresh budget
    expect(budget.allows('b')).toBe(false);
    now -= 10_000;
    expect(budget.allows('a')).toBe(true);
  });
});

describe('Function: httpControlPlane', () => {
  const reply = (status: number, body: unknown) => async () =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('sends the bearer key and reads the allow answer', async () => {
    let seen: Request | undefined;
    const cp = httpControlPlane({
      baseUrl: 'http://gw/v1/',
      apiKey: 'machine-key',
      workerId: 'w1',
      fetch: async (input, init) => {
        seen = new Request(input as string, init);
        return reply(200, answer('S9'))();
      },
    });
    const result = await cp.authorize({ streamKey: KEY, protocol: 'rtmp' });
    expect(result).toMatchObject({ ok: true, answer: { streamId: 'S9', session: 1 } });
    expect(seen?.url).toBe('http://gw/v1/live-ingest/authorize');
    expect(seen?.headers.get('authorization')).toBe('Bearer machine-key');
    expect(await seen?.json()).toMatchObject({ streamKey: KEY, protocol: 'rtmp', workerId: 'w1' });
  });

  it('reads refusal codes; 5xx and transport failures are unavailability, not refusals', async () => {
    const refused = httpControlPlane({
      baseUrl: 'http://gw/v1',
      apiKey: 'k',
      workerId: 'w',
      fetch: reply(409, { status: 409, code: 'key-rotated', detail: 'rotated' }),
    });
    expect(await refused.update('S1', { session: 1, recordedSeconds: 1, segments: 1 })).toEqual({
      ok: false,
      status: 409,
      code: 'key-rotated',
      detail: 'rotated',
    });
    const broken = httpControlPlane({
      baseUrl: 'http://gw/v1',
      apiKey: 'k',
      workerId: 'w',
      fetch: reply(502, {}),
    });
    await expect(broken.update('S1', { session: 1, recordedSeconds: 1, segments: 1 })).rejects.toBeInstanceOf(
      ControlPlaneUnavailableError,
    );
  });
});

describe('Function: ladderArgs', () => {
  const plan = {
    ladder: [
      { name: '720p', width: 1280, height: 720, videoBitrate: 2_800_000 },
      { name: '360p', width: 640, height: 360, videoBitrate: 800_000 },
    ],
    audioBitrate: 128_000,
    segmentSeconds: 1,
    outputDir: '/w/ladders/S1-s2',
    preset: 'veryfast',
  };

  it('decodes once, splits into each rendition, 1 s GOP without scene cuts, fMP4 HLS', () => {
    const args = ladderArgs({
      ...plan,
      input: { kind: 'url', url: 'rtmp://127.0.0.1:1935/live/s-S1-2?pt=x' },
    });
    expect(args.filter((a) => a === '-i')).toHaveLength(1);
    expect(args[args.indexOf('-filter_complex') + 1]).toBe(
      '[0:v:0]scale=w=1280:h=720:force_original_aspect_ratio=decrease:force_divisible_by=2,format=yuv420p,split=2[v0][c1];' +
        '[c1]scale=w=640:h=360:force_original_aspect_ratio=decrease:force_divisible_by=2[v1]',
    );
    expect(args.filter((a) => a === 'zerolatency')).toHaveLength(2);
    expect(args.filter((a) => a === '-sc_threshold')).toHaveLength(2);
    expect(args).toContain('expr:if(isnan(prev_forced_t),1,gte(t-prev_forced_t,0.999))');
    expect(args).toContain('/w/ladders/S1-s2/720p/seg-%06d.m4s');
    expect(args).toContain('/w/ladders/S1-s2/360p/index.m3u8');
    expect(args.filter((a) => a === 'fmp4')).toHaveLength(2);
  });

  it('reads RTP through its SDP at a fixed 30 fps', () => {
    const args = ladderArgs({ ...plan, input: { kind: 'sdp', sdpPath: '/w/ladders/S1-s2/input.sdp' } });
    expect(args).toContain('file,udp,rtp');
    expect(args[args.indexOf('-filter_complex') + 1]).toMatch(
      /^\[0:v:0\]fps=30,scale=w=1280:h=720:.*split=2\[v0\]\[c1\]/,
    );
  });
});

import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AUTHORIZER_FUNCTION } from '#functions/index.ts';
import { liveIngestManifest } from '#functions/live-ingest/manifest.ts';
import { liveStreamsManifest } from '#functions/live-streams/manifest.ts';
import { insertApiKey } from '#shared/accounts/api-key-store.ts';
import { issueApiKey } from '#shared/accounts/api-keys.ts';
import { createOrgWithKey } from '#test/support/accounts.ts';
import { createTestDatabase, type TestDatabase } from '#test/support/db.ts';
import { functionFromSource } from '#test/support/function-source.ts';
import { FnRunner } from '../../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../../infra/local/gateway/gateway.ts';
import { routesOf } from '../../../../infra/local/gateway/routes.ts';

interface Stream {
  id: string;
  assetId: string;
  status: string;
  keyHint: string;
  streamKey?: string;
  session: number;
}

/** Every line the functions printed, at debug level: a stream key must be in none of them. */
const logLines: string[] = [];
const sourceOptions = {
  timeoutSeconds: 20,
  logLevel: 'debug',
  onLog: (_stream: 'stdout' | 'stderr', line: string) => logLines.push(line),
};

/**
 * Review of the live-streams and live-ingest edges as an attacker would probe them: keys in logs
 * and problems, other organisations' streams, scopes, bad and hostile input, replayed agent calls.
 */
describe('Review: live-streams and live-ingest at the edge', () => {
  let db: TestDatabase;
  let runner: FnRunner;
  let gateway: RunningGateway;
  let creator: { orgId: string; key: string };
  let stranger: { orgId: string; key: string };
  let reader: string;
  let agent: string;
  let operator: string;
  /** Every problem body answered, to check that none echoes a key. */
  const answers: string[] = [];

  const send = async (path: string, key: string, init: RequestInit = {}) => {
    const response = await fetch(`${gateway.url}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });
    const text = await response.text();
    answers.push(text);
    return { status: response.status, type: response.headers.get('content-type') ?? '', text };
  };
  const post = (path: string, key: string, body?: unknown) =>
    send(path, key, { method: 'POST', ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  async function createStream(): Promise<Stream> {
    const created = await post('/live-streams', creator.key, { title: 'Review show' });
    expect(created.status).toBe(201);
    return JSON.parse(created.text) as Stream;
  }

  async function authorized(streamKey: string, workerId = 'agent-1'): Promise<number> {
    const answer = await post('/live-ingest/authorize', agent, { streamKey, protocol: 'rtmp', workerId });
    expect(answer.status).toBe(200);
    return (JSON.parse(answer.text) as { session: number }).session;
  }

  async function row(id: string): Promise<RowDataPacket> {
    const [rows] = await db.pool.query<RowDataPacket[]>('SELECT * FROM live_streams WHERE id = ?', [id]);
    return rows[0] as RowDataPacket;
  }

  function problem(answer: { status: number; type: string; text: string }) {
    expect(answer.type).toMatch(/^application\/problem\+json/);
    const body = JSON.parse(answer.text) as Record<string, unknown>;
    expect(body).toMatchObject({
      type: expect.any(String),
      title: expect.any(String),
      status: answer.status,
    });
    expect(String(body.detail ?? '')).not.toBe('');
    return body;
  }

  beforeAll(async () => {
    db = await createTestDatabase(inject('mysqlUrl'), 'live_review_api');
    creator = await createOrgWithKey(db.pool, ['videos:write', 'shows:write'], { kind: 'creator' });
    stranger = await createOrgWithKey(db.pool, ['videos:write'], { kind: 'creator' });
    const readKey = issueApiKey();
    await insertApiKey(db.pool, {
      keyId: readKey.keyId,
      orgId: creator.orgId,
      name: 'read only',
      secretHash: readKey.secretHash,
      scopes: ['videos:read'],
    });
    reader = readKey.plaintext;
    agent = (await createOrgWithKey(db.pool, ['live:ingest'], { kind: 'operator' })).key;
    operator = (await createOrgWithKey(db.pool, ['admin'], { kind: 'operator' })).key;
    const queueEnv = { MYSQL_URL: db.url, QUEUE_BACKEND: 'mysql' };
    runner = new FnRunner(
      [
        functionFromSource('live-streams', queueEnv, sourceOptions),
        functionFromSource('live-ingest', queueEnv, sourceOptions),
        functionFromSource(AUTHORIZER_FUNCTION, { MYSQL_URL: db.url }, sourceOptions),
      ],
      { processesPerFunction: 1 },
    );
    gateway = await startGateway({
      runner,
      routes: routesOf(liveStreamsManifest, liveIngestManifest),
      authorizerFunction: AUTHORIZER_FUNCTION,
      authorizerCacheMs: 0,
    });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
    await db?.drop();
  });

  describe('Stream keys', () => {
    it('puts no stream key in any log line or problem, whatever the agent or creator sends', async () => {
      // Prepare
      const stream = await createStream();
      const key = stream.streamKey as string;
      const session = await authorized(key);

      // Act: every path a key travels, good and bad.
      const rotated = await post(`/live-streams/${stream.id}/rotate-key`, creator.key);
      const newKey = (JSON.parse(rotated.text) as Stream).streamKey as string;
      const probes = [
        await post('/live-ingest/authorize', agent, { streamKey: key, protocol: 'rtmp', workerId: 'a' }),
        await post('/live-ingest/authorize', agent, { streamKey: newKey, protocol: 'srt', workerId: 'a' }),
        await post('/live-ingest/authorize', agent, {
          streamKey: `${newKey}x`,
          protocol: 'rtmp',
          workerId: 'a',
        }),
        await post('/live-ingest/authorize', agent, {
          streamKey: newKey.repeat(6),
          protocol: 'rtmp',
          workerId: 'a',
        }),
        await post('/live-ingest/authorize', agent, { streamKey: [newKey], protocol: 'rtmp', workerId: 'a' }),
        await send('/live-ingest/authorize', agent, { method: 'POST', body: `{"streamKey":"${newKey}",` }),
        await post('/live-ingest/authorize', operator, {
          streamKey: newKey,
          protocol: 'rtmp',
          workerId: 'a',
        }),
        await post(`/live-ingest/streams/${stream.id}/update`, agent, {
          session,
          workerId: 'agent-1',
          recordedSeconds: 2,
          segments: 2,
        }),
      ];
      await post(`/live-ingest/streams/${stream.id}/done`, agent, {
        session,
        workerId: 'agent-1',
        recordedSeconds: 2,
        reason: 'cut',
      });
      await authorized(newKey, 'agent-2');

      // Assess
      expect(probes.map((answer) => answer.status)).toEqual([403, 400, 403, 400, 400, 400, 403, 409]);
      expect(logLines.length).toBeGreaterThan(0);
      expect(logLines.join('\n')).toContain('live publish authorised');
      for (const secret of [key, newKey]) {
        const body = secret.slice('fcsk_'.length);
        expect(logLines.filter((line) => line.includes(body))).toEqual([]);
        expect(answers.filter((text) => text.includes(body)).length).toBe(1); // its create or rotate only
      }
      const reads = [
        await send(`/live-streams/${stream.id}`, creator.key),
        await send('/live-streams', creator.key),
      ];
      expect(reads.map((answer) => answer.text.includes(newKey.slice(5)))).toEqual([false, false]);
    });
  });

  describe('Authorization', () => {
    it('answers 404 to another organisation reading, rotating or ending a stream, and changes nothing', async () => {
      // Prepare
      const stream = await createStream();
      const before = await row(stream.id);

      // Act
      const answers = [
        await send(`/live-streams/${stream.id}`, stranger.key),
        await post(`/live-streams/${stream.id}/rotate-key`, stranger.key),
        await post(`/live-streams/${stream.id}/end`, stranger.key),
      ];
      const listed = await send('/live-streams', stranger.key);

      // Assess
      expect(answers.map((answer) => answer.status)).toEqual([404, 404, 404]);
      for (const answer of answers) expect(problem(answer).detail).not.toContain(creator.orgId);
      expect(listed.text).not.toContain(stream.id);
      expect(await row(stream.id)).toEqual(before);
      expect(await authorized(stream.streamKey as string)).toBe(1);
    });

    it('refuses writes with a videos:read key, and the ingest routes to every key but live:ingest', async () => {
      // Prepare
      const stream = await createStream();

      // Act
      const writes = [
        await post('/live-streams', reader, { title: 'nope' }),
        await post(`/live-streams/${stream.id}/rotate-key`, reader),
        await post(`/live-streams/${stream.id}/end`, reader),
      ];
      const agentCalls = await Promise.all(
        [creator.key, reader, operator].flatMap((key) => [
          post('/live-ingest/authorize', key, {
            streamKey: stream.streamKey,
            protocol: 'rtmp',
            workerId: 'evil',
          }),
          post(`/live-ingest/streams/${stream.id}/done`, key, {
            session: 1,
            workerId: 'evil',
            recordedSeconds: 0,
            reason: 'cut',
          }),
        ]),
      );
      const creatorOnAgentRoute = await send('/live-streams', agent);

      // Assess
      expect(writes.map((answer) => answer.status)).toEqual([403, 403, 403]);
      expect(agentCalls.map((answer) => answer.status)).toEqual([403, 403, 403, 403, 403, 403]);
      expect(creatorOnAgentRoute.status).toBe(403);
      expect(await row(stream.id)).toMatchObject({ status: 'idle', session: 0 });
    });
  });

  describe('Bad input', () => {
    it('refuses a malformed creation with a 400 naming the field, and creates nothing', async () => {
      // Prepare
      const [before] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM live_streams');
      const bodies: unknown[] = [
        {},
        { title: '' },
        { title: '   ' },
        { title: 'x'.repeat(201) },
        { title: 42 },
        { title: 'ok', reconnectWindowSeconds: -1 },
        { title: 'ok', reconnectWindowSeconds: 301 },
        { title: 'ok', reconnectWindowSeconds: 1.5 },
        { title: 'ok', reconnectWindowSeconds: '60' },
        { title: 'ok', maxDurationSeconds: 59 },
        { title: 'ok', maxDurationSeconds: 86_401 },
        { title: 'ok', maxDurationSeconds: 1e300 },
        { title: 'ok', showId: "' OR 1=1 --" },
        { title: 'ok', orgId: stranger.orgId },
        { title: 'ok', streamKey: 'fcsk_mine' },
        ['title'],
        null,
      ];

      // Act
      const answers = [];
      for (const body of bodies) answers.push(await post('/live-streams', creator.key, body));
      const broken = await send('/live-streams', creator.key, { method: 'POST', body: '{"title":' });
      const text = await send('/live-streams', creator.key, {
        method: 'POST',
        body: JSON.stringify({ title: 'ok' }),
        headers: { 'content-type': 'text/plain' },
      });

      // Assess
      expect(answers.map((answer) => answer.status)).toEqual(bodies.map(() => 400));
      for (const answer of answers) problem(answer);
      expect(problem(answers[3] as (typeof answers)[number]).errors).toEqual([
        expect.objectContaining({ pointer: '/title' }),
      ]);
      expect(problem(broken)).toMatchObject({ status: 400, detail: 'Body is not valid JSON' });
      expect(text.status).toBe(415);
      const [after] = await db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM live_streams');
      expect(after[0]?.n).toBe(before[0]?.n);
    });

    it('answers 413 to an oversized body before reaching the function, and keeps the function’s own bound small', async () => {
      // Act
      const huge = await send('/live-streams', creator.key, {
        method: 'POST',
        body: JSON.stringify({ title: 'x'.repeat(7 * 1024 * 1024) }),
      });
      const large = await send('/live-ingest/authorize', agent, {
        method: 'POST',
        body: JSON.stringify({
          streamKey: 'x',
          protocol: 'rtmp',
          workerId: 'a',
          pad: 'y'.repeat(256 * 1024),
        }),
      });
      const largeCreate = await send('/live-streams', creator.key, {
        method: 'POST',
        body: JSON.stringify({ title: 'ok', pad: 'y'.repeat(256 * 1024) }),
      });

      // Assess
      expect(huge.status).toBe(413);
      expect(problem(large).status).toBe(413);
      expect(problem(largeCreate).status).toBe(413);
    });

    it('refuses out-of-range agent figures with a 400, never a database error', async () => {
      // Prepare
      const stream = await createStream();
      const session = await authorized(stream.streamKey as string);
      const base = { session, workerId: 'agent-1' };

      // Act
      const answers = [
        await post(`/live-ingest/streams/${stream.id}/update`, agent, {
          ...base,
          recordedSeconds: 10_000_000,
          segments: 1,
        }),
        await post(`/live-ingest/streams/${stream.id}/update`, agent, {
          ...base,
          recordedSeconds: 1,
          segments: 2 ** 32,
        }),
        await post(`/live-ingest/streams/${stream.id}/update`, agent, {
          ...base,
          recordedSeconds: -1,
          segments: 1,
        }),
        await post(`/live-ingest/streams/${stream.id}/update`, agent, {
          ...base,
          recordedSeconds: 1,
          segments: 1.5,
        }),
        await post(`/live-ingest/streams/${stream.id}/update`, agent, {
          ...base,
          session: 2 ** 53,
          recordedSeconds: 1,
          segments: 1,
        }),
        await post(`/live-ingest/streams/${stream.id}/done`, agent, {
          ...base,
          recordedSeconds: 10_000_000,
          reason: 'cut',
        }),
        await post(`/live-ingest/streams/${stream.id}/done`, agent, {
          ...base,
          recordedSeconds: 1,
          segments: 2 ** 40,
          reason: 'cut',
        }),
        await post(`/live-ingest/streams/${stream.id}/done`, agent, {
          ...base,
          recordedSeconds: 1,
          reason: 'bored',
        }),
      ];

      // Assess
      expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400]);
      expect(await row(stream.id)).toMatchObject({ status: 'starting', session: 1 });
    });
  });

  describe('Fencing', () => {
    it('ignores updates and dones of another worker or a stale session, and a done replayed', async () => {
      // Prepare: session 1 left, session 2 is on.
      const stream = await createStream();
      const key = stream.streamKey as string;
      const first = await authorized(key);
      const path = (what: string) => `/live-ingest/streams/${stream.id}/${what}`;
      await post(path('update'), agent, {
        session: first,
        workerId: 'agent-1',
        recordedSeconds: 3,
        segments: 3,
      });
      await post(path('done'), agent, {
        session: first,
        workerId: 'agent-1',
        recordedSeconds: 3,
        reason: 'publisher-left',
      });
      const second = await authorized(key, 'agent-2');
      await post(path('update'), agent, {
        session: second,
        workerId: 'agent-2',
        recordedSeconds: 2,
        segments: 2,
      });
      const before = await row(stream.id);

      // Act
      const replays = [
        await post(path('update'), agent, {
          session: first,
          workerId: 'agent-1',
          recordedSeconds: 90,
          segments: 90,
        }),
        await post(path('update'), agent, {
          session: second,
          workerId: 'agent-1',
          recordedSeconds: 90,
          segments: 90,
        }),
        await post(path('update'), agent, {
          session: second + 1,
          workerId: 'agent-2',
          recordedSeconds: 90,
          segments: 90,
        }),
        await post(path('done'), agent, {
          session: first,
          workerId: 'agent-1',
          recordedSeconds: 90,
          reason: 'cut',
        }),
        await post(path('done'), agent, {
          session: second,
          workerId: 'agent-1',
          recordedSeconds: 90,
          reason: 'cut',
        }),
      ];
      const after = await row(stream.id);
      const done = await post(path('done'), agent, {
        session: second,
        workerId: 'agent-2',
        recordedSeconds: 4,
        reason: 'cut',
      });
      const replayed = await post(path('done'), agent, {
        session: second,
        workerId: 'agent-2',
        recordedSeconds: 80,
        reason: 'cut',
      });

      // Assess
      expect(replays.map((answer) => answer.status)).toEqual([409, 409, 409, 200, 200]);
      expect(problem(replays[0] as (typeof replays)[number])).toMatchObject({ code: 'session-superseded' });
      expect(after).toEqual(before);
      expect(JSON.parse(done.text)).toEqual({ status: 'reconnecting' });
      expect(JSON.parse(replayed.text)).toEqual({ status: 'reconnecting' });
      expect(Number((await row(stream.id)).recorded_seconds)).toBe(7);
    });
  });
});

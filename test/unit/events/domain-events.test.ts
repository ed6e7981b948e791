import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  DOMAIN_EVENT_TYPES,
  DOMAIN_EVENTS,
  type DomainEvent,
  type DomainEventType,
} from '#events/domain/catalogue.ts';
import { InvalidDomainEventError, validateDomainEvent } from '#events/domain/envelope.ts';
import type { DbConnection } from '#shared/db/pool.ts';
import { appendToOutbox, lockBucketOf } from '#shared/outbox/outbox.ts';
import {
  buildEventsJsonSchema,
  EVENTS_JSON_PATH,
  EVENTS_MARKDOWN_PATH,
  envelopeSchema,
  renderEventsJson,
  renderEventsMarkdown,
} from '../../../scripts/generate-events-doc.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const sourceFiles = (dir: string): string[] =>
  readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));

// Every file that writes to the outbox, and the event types it names.
const writers = ['shared', 'functions', 'workers']
  .flatMap(sourceFiles)
  .filter((file) => file !== 'shared/outbox/outbox.ts')
  .map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }))
  .filter(({ text }) => /\bappend(All)?ToOutbox\(/.test(text));

const typesNamedIn = (text: string) => [
  ...[...text.matchAll(/\btype: '([a-z_]+\.[a-z_]+)'/g)].map((m) => m[1] as string),
  ...[...text.matchAll(/orderEvent\(\s*hold,\s*'([a-z_.]+)'/g)].map((m) => m[1] as string),
];

const eventOf = (type: DomainEventType, payload: unknown): DomainEvent =>
  ({
    type,
    aggregateType: DOMAIN_EVENTS[type].aggregateTypes[0],
    aggregateId: 'agg-1',
    payload,
  }) as DomainEvent;

/** A connection that records what it is asked and answers like a successful INSERT. */
const recordingConnection = () => {
  const queries: { sql: string; values: unknown[] }[] = [];
  const connection = {
    query: async (sql: string, values: unknown[]) => {
      queries.push({ sql, values });
      return [{ affectedRows: 1 }, undefined];
    },
  } as unknown as DbConnection;
  return { connection, queries };
};

describe('Module: events/domain/catalogue', () => {
  it('has a schema for every event type written anywhere, and lists the files that write it', () => {
    // Prepare
    const written = new Map<string, Set<string>>();
    for (const { file, text } of writers)
      for (const type of typesNamedIn(text)) written.set(type, (written.get(type) ?? new Set()).add(file));

    // Assess
    expect(writers.length).toBeGreaterThanOrEqual(10);
    for (const [type, files] of written) {
      expect(DOMAIN_EVENT_TYPES, `${type} is written but has no schema`).toContain(type);
      const listed: readonly string[] = DOMAIN_EVENTS[type as DomainEventType].writtenBy;
      for (const file of files) expect(listed, `${type}'s writtenBy misses ${file}`).toContain(file);
    }
    for (const type of DOMAIN_EVENT_TYPES) {
      expect(written.has(type), `${type} has a schema but nothing writes it`).toBe(true);
      for (const file of DOMAIN_EVENTS[type].writtenBy) expect(written.get(type)).toContain(file);
    }
  });

  it('versions every event from 1, with a summary and an example its schema accepts', () => {
    for (const type of DOMAIN_EVENT_TYPES) {
      const definition = DOMAIN_EVENTS[type];
      expect(Number.isInteger(definition.version) && definition.version >= 1, type).toBe(true);
      expect(definition.summary.length, type).toBeGreaterThan(0);
      expect(definition.payload.safeParse(definition.example).success, type).toBe(true);
    }
  });
});

describe('Function: validateDomainEvent', () => {
  it.each(DOMAIN_EVENT_TYPES)('accepts the example of %s and stamps its version', (type) => {
    // Act
    const checked = validateDomainEvent(eventOf(type, DOMAIN_EVENTS[type].example));

    // Assess
    expect(checked).toMatchObject({ type, version: DOMAIN_EVENTS[type].version, aggregateId: 'agg-1' });
    expect(checked.occurredAt).toBeNull();
  });

  it.each(DOMAIN_EVENT_TYPES)(
    'refuses a payload of %s missing a member, or with one it does not know',
    (type) => {
      // Prepare
      const example = DOMAIN_EVENTS[type].example as Record<string, unknown>;
      const [first] = Object.keys(example);
      const { [first as string]: _dropped, ...missing } = example;

      // Act + Assess
      for (const payload of [missing, { ...example, unexpected: 1 }, null]) {
        let caught: unknown;
        try {
          validateDomainEvent(eventOf(type, payload));
        } catch (err: unknown) {
          caught = err;
        }
        expect(caught, JSON.stringify(payload)).toBeInstanceOf(InvalidDomainEventError);
        expect((caught as InvalidDomainEventError).eventType).toBe(type);
        expect((caught as Error).cause).toBeInstanceOf(z.ZodError);
      }
    },
  );

  it('names the member that is wrong', () => {
    const event = eventOf('video.ready', { ...DOMAIN_EVENTS['video.ready'].example, attempt: 'one' });
    expect(() => validateDomainEvent(event)).toThrow(/payload\.attempt/);
  });

  it('refuses an unknown type, a wrong aggregate, an empty or too long id and an invalid time', () => {
    const example = DOMAIN_EVENTS['video.failed'].example;
    const base = {
      type: 'video.failed',
      aggregateType: 'video',
      aggregateId: 'v-1',
      payload: example,
    } as const;
    const cases: unknown[] = [
      { ...base, type: 'video.deleted' },
      { ...base, aggregateType: 'license' },
      { ...base, aggregateId: '' },
      { ...base, aggregateId: 'x'.repeat(129) },
      { ...base, occurredAt: new Date(Number.NaN) },
    ];
    for (const event of cases)
      expect(() => validateDomainEvent(event as DomainEvent), JSON.stringify(event)).toThrow(
        InvalidDomainEventError,
      );
  });
});

describe('Function: appendToOutbox', () => {
  it('writes a valid event with its occurredAt as created_at', async () => {
    // Prepare
    const { connection, queries } = recordingConnection();
    const occurredAt = new Date('2026-12-07T12:00:00.000Z');

    // Act
    const id = await appendToOutbox(connection, {
      type: 'license.failed',
      aggregateType: 'license',
      aggregateId: 'l-1',
      occurredAt,
      payload: { licenseId: 'l-1', reason: 'out of gas' },
    });

    // Assess: the aggregate's lock row first (seq order = commit order per aggregate), then the event.
    expect(queries).toHaveLength(2);
    expect(queries[0]?.sql).toMatch(/^INSERT INTO outbox_aggregate_locks .* ON DUPLICATE KEY UPDATE/);
    expect(queries[0]?.values).toEqual([lockBucketOf('license', 'l-1')]);
    expect(queries[1]?.sql).toMatch(
      /^INSERT INTO outbox \(id, aggregate_type, aggregate_id, event_type, event_version, payload, created_at\)/,
    );
    expect(queries[1]?.values).toEqual([
      id,
      'license',
      'l-1',
      'license.failed',
      1,
      JSON.stringify({ licenseId: 'l-1', reason: 'out of gas' }),
      occurredAt,
    ]);
  });

  it('leaves created_at to the database clock when the event has no occurredAt', async () => {
    const { connection, queries } = recordingConnection();
    await appendToOutbox(connection, {
      type: 'print.expired',
      aggregateType: 'license',
      aggregateId: 'l-1',
      payload: { jobId: 'j-1', licenseId: 'l-1', printerId: 'p-1' },
    });
    expect(queries[1]?.sql).toContain('COALESCE(?, CURRENT_TIMESTAMP(3))');
    expect(queries[1]?.values.at(-1)).toBeNull();
  });

  it('throws before the INSERT for a payload that does not match, so the event is never written', async () => {
    // Prepare
    const { connection, queries } = recordingConnection();
    const invalid = {
      type: 'tickets.issued',
      aggregateType: 'order',
      aggregateId: 'h-1',
      payload: { holdId: 'h-1', ticketIds: 'not a list' },
    } as unknown as DomainEvent;

    // Act + Assess
    await expect(appendToOutbox(connection, invalid)).rejects.toBeInstanceOf(InvalidDomainEventError);
    expect(queries).toHaveLength(0);
  });
});

describe('Script: generate-events-doc', () => {
  it('keeps docs/events.json and docs/events.md up to date', () => {
    const schema = buildEventsJsonSchema();
    expect(
      readFileSync(EVENTS_JSON_PATH, 'utf8') === renderEventsJson(schema),
      'docs/events.json is stale: run npm run events:doc',
    ).toBe(true);
    expect(
      readFileSync(EVENTS_MARKDOWN_PATH, 'utf8') === renderEventsMarkdown(schema),
      'docs/events.md is stale: run npm run events:doc',
    ).toBe(true);
  });

  it('describes every event type once, and its JSON Schema takes the stored form of the example', () => {
    // Prepare
    const schema = buildEventsJsonSchema();
    const defs = schema.$defs as Record<string, unknown>;

    // Assess
    expect(Object.keys(defs)).toEqual(
      DOMAIN_EVENT_TYPES.map((type) => `${type}@${DOMAIN_EVENTS[type].version}`),
    );
    for (const type of DOMAIN_EVENT_TYPES) {
      const stored = {
        id: '0190a1b2-0000-7000-8000-000000000001',
        type,
        version: DOMAIN_EVENTS[type].version,
        aggregateType: DOMAIN_EVENTS[type].aggregateTypes[0],
        aggregateId: 'agg-1',
        occurredAt: '2026-12-07T12:00:00.000Z',
        payload: DOMAIN_EVENTS[type].example,
      };
      expect(envelopeSchema(type).safeParse(stored).success, type).toBe(true);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { OBJECT_EVENT_TYPES } from '#events/object-storage-event.ts';
import { type EventCondition, matchesCondition, rulesFromManifests } from '#events/rules.ts';
import { defineManifest } from '#shared/runtime/manifest.ts';

const event = {
  eventType: 'com.oraclecloud.objectstorage.createobject',
  source: 'ObjectStorage',
  data: {
    resourceName: 'uploads/model.stl',
    additionalDetails: { bucketName: 'designs-incoming', namespace: 'ns' },
  },
};

describe('Function: matchesCondition', () => {
  it('ignores fields the condition does not mention', () => {
    // Prepare
    const condition: EventCondition = { source: 'ObjectStorage' };

    // Act / Assess
    expect(matchesCondition(condition, event)).toBe(true);
    expect(matchesCondition({}, event)).toBe(true);
  });

  it('requires a mentioned string field to be equal', () => {
    // Act / Assess
    expect(matchesCondition({ source: 'Compute' }, event)).toBe(false);
    expect(matchesCondition({ missing: 'x' }, event)).toBe(false);
  });

  it('treats arrays as any-of', () => {
    // Prepare
    const condition: EventCondition = {
      eventType: [OBJECT_EVENT_TYPES.updated, OBJECT_EVENT_TYPES.created],
    };

    // Act / Assess
    expect(matchesCondition(condition, event)).toBe(true);
    expect(matchesCondition({ eventType: [OBJECT_EVENT_TYPES.deleted] }, event)).toBe(false);
    expect(matchesCondition({ eventType: [] }, event)).toBe(false);
  });

  it('supports * as a wildcard', () => {
    // Act / Assess
    expect(matchesCondition({ eventType: 'com.oraclecloud.objectstorage.*' }, event)).toBe(true);
    expect(matchesCondition({ eventType: '*object' }, event)).toBe(true);
    expect(matchesCondition({ eventType: 'com.oraclecloud.compute.*' }, event)).toBe(false);
    expect(matchesCondition({ data: { resourceName: 'uploads/*.stl' } }, event)).toBe(true);
    expect(matchesCondition({ data: { resourceName: 'uploads/*.obj' } }, event)).toBe(false);
  });

  it('treats other regular-expression characters literally', () => {
    // Act / Assess
    expect(matchesCondition({ source: 'Object.torage' }, event)).toBe(false);
    expect(matchesCondition({ data: { resourceName: 'uploads/model?stl' } }, event)).toBe(false);
  });

  it('matches nested objects', () => {
    // Prepare
    const matching: EventCondition = { data: { additionalDetails: { bucketName: ['designs-incoming'] } } };
    const other: EventCondition = { data: { additionalDetails: { bucketName: ['videos'] } } };

    // Act / Assess
    expect(matchesCondition(matching, event)).toBe(true);
    expect(matchesCondition(other, event)).toBe(false);
    expect(matchesCondition({ source: { nested: 'x' } }, event)).toBe(false);
  });

  it('refuses a non-string value for a string pattern', () => {
    // Act / Assess
    expect(matchesCondition({ data: '*' }, event)).toBe(false);
    expect(matchesCondition({ n: '1' }, { n: 1 })).toBe(false);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a string', 'com.oraclecloud.objectstorage.createobject'],
    ['a number', 3],
  ])('answers false for %s as event', (_label, value) => {
    // Act / Assess
    expect(matchesCondition({}, value)).toBe(false);
  });
});

describe('Function: rulesFromManifests', () => {
  it('builds one rule per event trigger and none for HTTP functions', () => {
    // Prepare
    const ingest = defineManifest({
      name: 'ingest-design',
      summary: 'ingest',
      kind: 'event',
      memoryMb: 256,
      timeoutSeconds: 60,
      routes: [],
      events: [
        { eventTypes: [OBJECT_EVENT_TYPES.created, OBJECT_EVENT_TYPES.updated], bucket: 'designs-incoming' },
        { eventTypes: [OBJECT_EVENT_TYPES.deleted], bucket: 'videos' },
      ],
      config: [],
    });
    const api = defineManifest({
      name: 'designs-api',
      summary: 'api',
      kind: 'http',
      memoryMb: 256,
      timeoutSeconds: 30,
      routes: [{ method: 'GET', path: '/designs', auth: { type: 'anonymous' } }],
      events: [],
      config: [],
    });

    // Act
    const rules = rulesFromManifests([api, ingest]);

    // Assess
    expect(rules).toEqual([
      {
        name: 'ingest-design-on-designs-incoming',
        condition: {
          eventType: [OBJECT_EVENT_TYPES.created, OBJECT_EVENT_TYPES.updated],
          data: { additionalDetails: { bucketName: ['designs-incoming'] } },
        },
        functionName: 'ingest-design',
      },
      {
        name: 'ingest-design-on-videos',
        condition: {
          eventType: [OBJECT_EVENT_TYPES.deleted],
          data: { additionalDetails: { bucketName: ['videos'] } },
        },
        functionName: 'ingest-design',
      },
    ]);
  });

  it('builds rules that match the events they were made for', () => {
    // Prepare
    const [rule] = rulesFromManifests([
      defineManifest({
        name: 'ingest-design',
        summary: 'ingest',
        kind: 'event',
        memoryMb: 256,
        timeoutSeconds: 60,
        routes: [],
        events: [{ eventTypes: [OBJECT_EVENT_TYPES.created], bucket: 'designs-incoming' }],
        config: [],
      }),
    ]);
    if (!rule) throw new Error('expected a rule');

    // Act / Assess
    expect(matchesCondition(rule.condition, event)).toBe(true);
    expect(matchesCondition(rule.condition, { ...event, eventType: OBJECT_EVENT_TYPES.deleted })).toBe(false);
    expect(
      matchesCondition(rule.condition, {
        ...event,
        data: { ...event.data, additionalDetails: { bucketName: 'videos', namespace: 'ns' } },
      }),
    ).toBe(false);
  });

  it('narrows a rule to object names when the trigger names a pattern', () => {
    // Prepare
    const [rule] = rulesFromManifests([
      defineManifest({
        name: 'vod-package',
        summary: 'package',
        kind: 'event',
        memoryMb: 256,
        timeoutSeconds: 60,
        routes: [],
        events: [
          {
            eventTypes: [OBJECT_EVENT_TYPES.created],
            bucket: 'media',
            objectName: 'videos/*/transcode.json',
          },
        ],
        config: [],
      }),
    ]);
    if (!rule) throw new Error('expected a rule');
    const mediaEvent = (resourceName: string) => ({
      ...event,
      data: { resourceName, additionalDetails: { bucketName: 'media', namespace: 'ns' } },
    });

    // Act / Assess
    expect(rule.condition).toEqual({
      eventType: [OBJECT_EVENT_TYPES.created],
      data: { resourceName: ['videos/*/transcode.json'], additionalDetails: { bucketName: ['media'] } },
    });
    expect(matchesCondition(rule.condition, mediaEvent('videos/01J/v2/transcode.json'))).toBe(true);
    expect(matchesCondition(rule.condition, mediaEvent('videos/01J/v2/720p/seg-00001.m4s'))).toBe(false);
  });
});

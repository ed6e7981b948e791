import { describe, expect, it } from 'vitest';
import { defineManifest, type FunctionManifest } from '#shared/runtime/manifest.ts';

const eventManifest = (fields: Partial<FunctionManifest>): FunctionManifest => ({
  name: 'scaler',
  summary: 'scales',
  kind: 'event',
  memoryMb: 128,
  timeoutSeconds: 60,
  routes: [],
  events: [],
  config: [],
  ...fields,
});

describe('Function: defineManifest (notifications)', () => {
  it('accepts an event function triggered only by a Notifications topic', () => {
    const manifest = defineManifest(eventManifest({ notifications: [{ topic: 'transcode-backlog' }] }));

    expect(manifest.notifications).toEqual([{ topic: 'transcode-backlog' }]);
  });

  it('still refuses an event function with no trigger at all', () => {
    expect(() => defineManifest(eventManifest({ notifications: [] }))).toThrow(
      /no events, schedules or notifications/,
    );
  });

  it('refuses notifications on an HTTP function', () => {
    const http = eventManifest({
      kind: 'http',
      routes: [{ method: 'GET', path: '/x', auth: { type: 'anonymous' } }],
      notifications: [{ topic: 'alarms' }],
    });

    expect(() => defineManifest(http)).toThrow(/only event functions take notifications/);
  });

  it('refuses a topic name Terraform cannot use, and a topic listed twice', () => {
    expect(() => defineManifest(eventManifest({ notifications: [{ topic: 'Backlog Alarm' }] }))).toThrow(
      /topic Backlog Alarm must match/,
    );
    expect(() =>
      defineManifest(eventManifest({ notifications: [{ topic: 'backlog' }, { topic: 'backlog' }] })),
    ).toThrow(/listed twice/);
  });
});

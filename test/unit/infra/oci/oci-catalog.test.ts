import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rulesFromManifests } from '#events/rules.ts';
import { catalog } from '#functions/index.ts';
import { SECRET_CONFIG_KEYS } from '#shared/config/secret-keys.ts';
import { METRICS_CONFIG_KEYS } from '#shared/metrics/config.ts';
import {
  buildOciCatalog,
  CATALOG_PATH,
  cronFor,
  renderOciCatalog,
} from '../../../../scripts/generate-oci-catalog.ts';

const built = buildOciCatalog();

describe('infra/oci/catalog.generated.json', () => {
  it('is what the code says today (else run npm run catalog:oci)', () => {
    const committed = readFileSync(CATALOG_PATH, 'utf8');
    expect(
      committed === renderOciCatalog(),
      'infra/oci/catalog.generated.json is stale: run npm run catalog:oci',
    ).toBe(true);
  });

  it('is stable: two renders are byte-identical, 2-space JSON with a trailing newline', () => {
    const text = renderOciCatalog();
    expect(renderOciCatalog()).toBe(text);
    expect(text.endsWith('}\n')).toBe(true);
    expect(text.split('\n')[1]).toMatch(/^ {2}"/);
    expect(JSON.parse(text)).toEqual(built);
    // Short scalar arrays on one line, as the repository's formatter (biome) wants them.
    expect(text).toContain('"queues": {');
    expect(text).toMatch(/"eventType": \["com\.oraclecloud\.objectstorage\.createobject"\]/);
  });

  it('lists every function with its memory, timeout and config split into plain and secret keys', () => {
    expect(Object.keys(built.functions).sort()).toEqual(catalog.map((entry) => entry.manifest.name).sort());
    const secret = new Set<string>(SECRET_CONFIG_KEYS);
    for (const { manifest } of catalog) {
      const fn = built.functions[manifest.name];
      expect(fn?.memoryMb).toBe(manifest.memoryMb);
      expect(fn?.timeoutSeconds).toBe(manifest.timeoutSeconds);
      expect([...(fn?.plainConfigKeys ?? []), ...(fn?.secretConfigKeys ?? [])].sort()).toEqual(
        [...new Set(manifest.config)].sort(),
      );
      for (const key of fn?.plainConfigKeys ?? []) expect(secret.has(key), key).toBe(false);
      for (const key of fn?.secretConfigKeys ?? []) expect(secret.has(key), key).toBe(true);
    }
  });

  it('places every route once: /v1 routes, and root routes in a deployment named by their first segment', () => {
    const declared = catalog.flatMap(({ manifest }) =>
      manifest.routes.map(
        (route) => `${manifest.name} ${route.method} ${route.root ? '' : '/v1'}${route.path}`,
      ),
    );
    const generated = [
      ...Object.values(built.routes).map((route) => `${route.function} ${route.method} /v1${route.path}`),
      ...Object.values(built.rootDeployments).flatMap((deployment) =>
        Object.values(deployment.routes).map(
          (route) => `${route.function} ${route.method} ${deployment.pathPrefix}${route.path}`,
        ),
      ),
    ];
    expect(generated.sort()).toEqual(declared.sort());
    expect(built.rootDeployments['well-known']?.pathPrefix).toBe('/.well-known');
  });

  it('maps route auth to API Gateway authorization types', () => {
    const types = new Set(Object.values(built.routes).map((route) => route.authorization.type));
    expect([...types].sort()).toEqual(['ANONYMOUS', 'ANY_OF', 'AUTHENTICATION_ONLY']);
    expect(built.routes['POST /v1/licenses']?.authorization).toEqual({
      type: 'ANY_OF',
      allowedScope: ['licenses:write', 'admin'],
    });
  });

  it('carries the event rules of events/rules.ts, each naming its bucket', () => {
    const rules = rulesFromManifests(catalog.map((entry) => entry.manifest));
    expect(Object.keys(built.eventRules).sort()).toEqual(rules.map((rule) => rule.name).sort());
    for (const rule of rules) {
      expect(built.eventRules[rule.name]?.condition).toEqual(rule.condition);
      expect(built.eventRules[rule.name]?.functionName).toBe(rule.functionName);
    }
    const withEvents = Object.entries(built.buckets).filter(([, bucket]) => bucket.objectEvents);
    expect(withEvents.map(([name]) => name).sort()).toEqual(
      [...new Set(Object.values(built.eventRules).map((rule) => rule.bucket))].sort(),
    );
  });

  it('has schedules as minute crons with a tick body, topics with subscribers, queues, metrics keys', () => {
    for (const { manifest } of catalog) {
      for (const schedule of manifest.schedules ?? []) {
        const entry = built.schedules[`${manifest.name}-${schedule.name}`];
        expect(entry?.tick.data).toEqual({ function: manifest.name, schedule: schedule.name });
      }
    }
    expect(built.topics['transcode-backlog']?.subscribers).toEqual(['transcoder-scaler']);
    expect(Object.keys(built.queues).sort()).toEqual(['settlement', 'transcode']);
    expect(built.metricsConfigKeys).toEqual([...METRICS_CONFIG_KEYS].sort());
    expect(built.workers.transcoder.secretConfigKeys).toContain('MYSQL_URL');
  });

  it('turns periods into crons Resource Scheduler accepts, and refuses the ones it cannot express', () => {
    expect(cronFor(2)).toBe('* * * * *');
    expect(cronFor(60)).toBe('* * * * *');
    expect(cronFor(300)).toBe('*/5 * * * *');
    expect(cronFor(7200)).toBe('0 */2 * * *');
    expect(() => cronFor(7 * 60)).toThrow(/no cron form/);
  });
});

import { describe, expect, it } from 'vitest';
import { runChecks } from '#functions/health/checks.ts';

describe('Function: runChecks', () => {
  it('reports ok when every probe is up', async () => {
    // Prepare
    const probes = {
      database: async () => ({ version: '11.4' }),
      queue: async () => ({ depth: 0 }),
    };

    // Act
    const report = await runChecks(probes, 1_000);

    // Assess
    expect(report.status).toBe('ok');
    expect(report.checks.database).toMatchObject({ status: 'up', detail: { version: '11.4' } });
    expect(report.checks.queue).toMatchObject({ status: 'up', detail: { depth: 0 } });
    expect(report.checks.database?.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reports ok with no probes at all', async () => {
    // Act
    const report = await runChecks({}, 1_000);

    // Assess
    expect(report).toEqual({ status: 'ok', checks: {} });
  });

  it('reports degraded with the error text when a probe throws', async () => {
    // Prepare
    const probes = {
      database: async () => ({}),
      queue: async (): Promise<Record<string, unknown>> => {
        throw new TypeError('queue endpoint refused');
      },
    };

    // Act
    const report = await runChecks(probes, 1_000);

    // Assess
    expect(report.status).toBe('degraded');
    expect(report.checks.database?.status).toBe('up');
    expect(report.checks.queue).toMatchObject({ status: 'down', error: 'TypeError: queue endpoint refused' });
    expect(report.checks.queue).not.toHaveProperty('detail');
  });

  it('does not leak a non-Error thrown value', async () => {
    // Prepare
    const probes = {
      vault: async (): Promise<Record<string, unknown>> => {
        throw 'secret=abc';
      },
    };

    // Act
    const report = await runChecks(probes, 1_000);

    // Assess
    expect(report.checks.vault).toMatchObject({ status: 'down', error: 'unknown failure' });
  });

  it('marks a hanging probe down after the timeout', async () => {
    // Prepare
    const probes = {
      database: async () => ({ ok: true }),
      storage: () => new Promise<Record<string, unknown>>(() => {}),
    };

    // Act
    const report = await runChecks(probes, 20);

    // Assess
    expect(report.status).toBe('degraded');
    expect(report.checks.database?.status).toBe('up');
    expect(report.checks.storage).toMatchObject({ status: 'down', error: 'Error: no answer within 20 ms' });
  });
});

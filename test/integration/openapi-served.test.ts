import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { clientResponseOf, fnHttpHeaders } from '../../infra/local/fn/http-intent.ts';
import { FnRunner } from '../../infra/local/fn/runner.ts';
import { OPENAPI_PATH } from '../../scripts/generate-openapi.ts';
import { bundledFunction, OFFLINE_HEALTH_CONFIG } from '../support/bundle.ts';

describe('GET /v1/openapi.json', () => {
  it('is served by the bundled health function through the real FDK, public, equal to docs/openapi.json', async () => {
    // Prepare: the built bundle (npm test builds it), with no dependency running: the reference
    // needs none.
    const runner = new FnRunner([bundledFunction('health', { ...OFFLINE_HEALTH_CONFIG }, 30)], {
      processesPerFunction: 1,
    });
    try {
      // Act
      const outcome = await runner.call('health', {
        headers: fnHttpHeaders('GET', '/v1/openapi.json', {}),
        body: Buffer.alloc(0),
      });

      // Assess
      if (outcome.kind !== 'ok') throw new Error(`expected ok, got ${outcome.kind}`);
      const response = clientResponseOf(outcome.reply);
      expect(response.status).toBe(200);
      expect(response.headers['content-type']?.[0]).toMatch(/^application\/json/);
      const served = JSON.parse(response.body.toString('utf8')) as { openapi: string };
      expect(served.openapi).toMatch(/^3\.1\./);
      expect(served).toEqual(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')));
    } finally {
      await runner.close();
    }
  }, 60_000);
});

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundledFunction, OFFLINE_HEALTH_CONFIG } from '#test/support/bundle.ts';
import { gatewayRoutes } from '../../../infra/local/catalog-runtime.ts';
import { FnRunner } from '../../../infra/local/fn/runner.ts';
import { type RunningGateway, startGateway } from '../../../infra/local/gateway/gateway.ts';
import { OPENAPI_PATH } from '../../../scripts/generate-openapi.ts';

describe('GET /v1/openapi.json', () => {
  let runner: FnRunner;
  let gateway: RunningGateway;

  beforeAll(async () => {
    // Prepare: the bundled health function (npm test builds it) behind the local gateway with the
    // catalog's own routes, no credential and no dependency running: the reference needs none.
    runner = new FnRunner([bundledFunction('health', { ...OFFLINE_HEALTH_CONFIG }, 30)], {
      processesPerFunction: 1,
    });
    const routes = gatewayRoutes().filter((route) => route.functionName === 'health');
    gateway = await startGateway({ runner, routes });
  });
  afterAll(async () => {
    await gateway?.close();
    await runner?.close();
  });

  it('is public and is the committed docs/openapi.json, served through the gateway and the real FDK', async () => {
    // Act
    const response = await fetch(`${gateway.url}/openapi.json`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const served = (await response.json()) as { openapi: string };
    expect(served.openapi).toMatch(/^3\.1\./);
    expect(served).toEqual(JSON.parse(readFileSync(OPENAPI_PATH, 'utf8')));
  }, 60_000);
});

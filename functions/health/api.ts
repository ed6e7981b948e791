import type { RouteContracts } from '#shared/runtime/manifest.ts';

/** The health routes' contracts by operation id (their manifest names them): the API reference's source. */
export const contracts = {
  getHealth: {
    summary: 'Readiness: every dependency probed (each bounded to 2 s)',
    responses: {
      200: { description: '`status: ok` and each check', contentType: 'application/json' },
      503: {
        description: 'Not ready: names what is still starting, or which dependency is down',
        contentType: 'application/json',
      },
    },
  },
  getLiveness: {
    summary: 'Liveness: the function answers; touches no dependency',
    responses: { 200: { description: '`status: ok`', contentType: 'application/json' } },
  },
  getOpenApiDocument: {
    summary: 'This API reference as OpenAPI 3.1',
    responses: { 200: { description: 'The OpenAPI document', contentType: 'application/json' } },
  },
} satisfies RouteContracts;

import { defineManifest } from '#shared/runtime/manifest.ts';
import { insightsConfigKeys } from './config.ts';

const creator = { type: 'scoped', anyOf: ['shows:write', 'videos:read', 'admin'] } as const;
const designer = { type: 'scoped', anyOf: ['designs:read', 'admin'] } as const;
const operator = { type: 'scoped', anyOf: ['admin'] } as const;

export const insightsManifest = defineManifest({
  name: 'insights',
  summary:
    'Dashboards from the warehouse: a creator’s sales and views, a designer’s licenses and prints, the operator’s totals and funnel.',
  kind: 'http',
  memoryMb: 256,
  timeoutSeconds: 30,
  routes: [
    { method: 'GET', path: '/insights/creator', auth: creator, operationId: 'getCreatorInsights' },
    { method: 'GET', path: '/insights/designer', auth: designer, operationId: 'getDesignerInsights' },
    { method: 'GET', path: '/insights/platform', auth: operator, operationId: 'getPlatformInsights' },
  ],
  events: [],
  config: insightsConfigKeys,
  api: () => import('./api.ts'),
});

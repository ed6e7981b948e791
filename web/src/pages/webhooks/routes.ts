import { lazy } from 'preact-iso';
import type { AreaRoute } from '../../app/routes.ts';
import { endpointPath, endpointsPath, eventTypesPath } from './webhook-paths.ts';

/**
 * An organisation's admins hold `webhooks:manage` (shared/people/roles.ts: designer, licensee,
 * integrator and creator organisations); no working role does.
 */
const roles = ['org_admin'] as const;
const scopes = ['webhooks:manage'];

export const webhookRoutes: readonly AreaRoute[] = [
  {
    path: '/webhooks',
    component: lazy(() => import('./webhooks-list.tsx')),
    firstLoad: () => [endpointsPath, eventTypesPath],
    roles,
    scopes,
    nav: { en: 'Webhooks', it: 'Webhook' },
  },
  {
    path: '/webhooks/:id',
    component: lazy(() => import('./webhook-detail.tsx')),
    firstLoad: ({ id }) => (id ? [endpointPath(id)] : []),
    roles,
    scopes,
  },
];

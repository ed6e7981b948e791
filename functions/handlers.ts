import type { ForgecastFunction } from '#shared/runtime/function.ts';

/**
 * Each catalog function's handler module by the name in its manifest, loaded only in that function's
 * container (its own chunk in the bundle). Apart from the manifests on purpose: the image entrypoint
 * imports this and not the catalog, so a cold start evaluates no other function's manifest and config
 * shapes. `functions/index.ts` pairs every manifest with its loader by name (a missing one is a type
 * error there).
 */
export const handlerModules = {
  health: () => import('./health/handler.ts'),
  authorizer: () => import('./authorizer/handler.ts'),
  accounts: () => import('./accounts/handler.ts'),
  designs: () => import('./designs/handler.ts'),
  'ip-upload': () => import('./ip-upload/handler.ts'),
  'license-mint': () => import('./license-mint/handler.ts'),
  printers: () => import('./printers/handler.ts'),
  'print-authorize': () => import('./print-authorize/handler.ts'),
  settler: () => import('./settler/handler.ts'),
  'chain-indexer': () => import('./chain-indexer/handler.ts'),
  videos: () => import('./videos/handler.ts'),
  'transcode-dispatch': () => import('./transcode-dispatch/handler.ts'),
  'transcoder-scaler': () => import('./transcoder-scaler/handler.ts'),
  'vod-package': () => import('./vod-package/handler.ts'),
  'live-streams': () => import('./live-streams/handler.ts'),
  'live-ingest': () => import('./live-ingest/handler.ts'),
  'live-watchdog': () => import('./live-watchdog/handler.ts'),
  shows: () => import('./shows/handler.ts'),
  'stripe-webhook': () => import('./stripe-webhook/handler.ts'),
  'stripe-sweep': () => import('./stripe-sweep/handler.ts'),
  tickets: () => import('./tickets/handler.ts'),
  'show-access': () => import('./show-access/handler.ts'),
  'cdn-logs': () => import('./cdn-logs/handler.ts'),
  'edge-revocations': () => import('./edge-revocations/handler.ts'),
  session: () => import('./session/handler.ts'),
  webhooks: () => import('./webhooks/handler.ts'),
  'webhook-dispatch': () => import('./webhook-dispatch/handler.ts'),
  'outbox-relay': () => import('./outbox-relay/handler.ts'),
  analytics: () => import('./analytics/handler.ts'),
  'analytics-forward': () => import('./analytics/forward-handler.ts'),
  insights: () => import('./insights/handler.ts'),
  'warehouse-loader': () => import('./warehouse-loader/handler.ts'),
} as const satisfies Record<string, () => Promise<{ handler: ForgecastFunction }>>;

export type FunctionName = keyof typeof handlerModules;

export function handlerModuleOf(name: string): (() => Promise<{ handler: ForgecastFunction }>) | undefined {
  return Object.hasOwn(handlerModules, name) ? handlerModules[name as FunctionName] : undefined;
}

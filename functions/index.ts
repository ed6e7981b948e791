import type { ForgecastFunction } from '#shared/runtime/function.ts';
import type { FunctionManifest } from '#shared/runtime/manifest.ts';
import { accountsManifest } from './accounts/manifest.ts';
import { analyticsForwardManifest } from './analytics/forward-manifest.ts';
import { analyticsManifest } from './analytics/manifest.ts';
import { authorizerManifest } from './authorizer/manifest.ts';
import { cdnLogsManifest } from './cdn-logs/manifest.ts';
import { chainIndexerManifest } from './chain-indexer/manifest.ts';
import { designsManifest } from './designs/manifest.ts';
import { edgeRevocationsManifest } from './edge-revocations/manifest.ts';
import { healthManifest } from './health/manifest.ts';
import { insightsManifest } from './insights/manifest.ts';
import { ipUploadManifest } from './ip-upload/manifest.ts';
import { licenseMintManifest } from './license-mint/manifest.ts';
import { liveIngestManifest } from './live-ingest/manifest.ts';
import { liveStreamsManifest } from './live-streams/manifest.ts';
import { liveWatchdogManifest } from './live-watchdog/manifest.ts';
import { outboxRelayManifest } from './outbox-relay/manifest.ts';
import { printAuthorizeManifest } from './print-authorize/manifest.ts';
import { printersManifest } from './printers/manifest.ts';
import { sessionManifest } from './session/manifest.ts';
import { settlerManifest } from './settler/manifest.ts';
import { showAccessManifest } from './show-access/manifest.ts';
import { showsManifest } from './shows/manifest.ts';
import { stripeSweepManifest } from './stripe-sweep/manifest.ts';
import { stripeWebhookManifest } from './stripe-webhook/manifest.ts';
import { ticketsManifest } from './tickets/manifest.ts';
import { transcodeDispatchManifest } from './transcode-dispatch/manifest.ts';
import { transcoderScalerManifest } from './transcoder-scaler/manifest.ts';
import { videosManifest } from './videos/manifest.ts';
import { vodPackageManifest } from './vod-package/manifest.ts';
import { warehouseLoaderManifest } from './warehouse-loader/manifest.ts';
import { webhookDispatchManifest } from './webhook-dispatch/manifest.ts';
import { webhooksManifest } from './webhooks/manifest.ts';

export interface CatalogEntry {
  readonly manifest: FunctionManifest;
  /** Loaded only in the function's own container (a separate chunk in the bundle). */
  readonly load: () => Promise<{ handler: ForgecastFunction }>;
}

/**
 * The catalog: every function, and the single source of truth for routes and triggers. The
 * local gateway, the local event router and the OCI Terraform all read it.
 */
export const catalog: readonly CatalogEntry[] = [
  { manifest: healthManifest, load: () => import('./health/handler.ts') },
  { manifest: authorizerManifest, load: () => import('./authorizer/handler.ts') },
  { manifest: accountsManifest, load: () => import('./accounts/handler.ts') },
  { manifest: designsManifest, load: () => import('./designs/handler.ts') },
  { manifest: ipUploadManifest, load: () => import('./ip-upload/handler.ts') },
  { manifest: licenseMintManifest, load: () => import('./license-mint/handler.ts') },
  { manifest: printersManifest, load: () => import('./printers/handler.ts') },
  { manifest: printAuthorizeManifest, load: () => import('./print-authorize/handler.ts') },
  { manifest: settlerManifest, load: () => import('./settler/handler.ts') },
  { manifest: chainIndexerManifest, load: () => import('./chain-indexer/handler.ts') },
  { manifest: videosManifest, load: () => import('./videos/handler.ts') },
  { manifest: transcodeDispatchManifest, load: () => import('./transcode-dispatch/handler.ts') },
  { manifest: transcoderScalerManifest, load: () => import('./transcoder-scaler/handler.ts') },
  { manifest: vodPackageManifest, load: () => import('./vod-package/handler.ts') },
  { manifest: liveStreamsManifest, load: () => import('./live-streams/handler.ts') },
  { manifest: liveIngestManifest, load: () => import('./live-ingest/handler.ts') },
  { manifest: liveWatchdogManifest, load: () => import('./live-watchdog/handler.ts') },
  { manifest: showsManifest, load: () => import('./shows/handler.ts') },
  { manifest: stripeWebhookManifest, load: () => import('./stripe-webhook/handler.ts') },
  { manifest: stripeSweepManifest, load: () => import('./stripe-sweep/handler.ts') },
  { manifest: ticketsManifest, load: () => import('./tickets/handler.ts') },
  { manifest: showAccessManifest, load: () => import('./show-access/handler.ts') },
  { manifest: cdnLogsManifest, load: () => import('./cdn-logs/handler.ts') },
  { manifest: edgeRevocationsManifest, load: () => import('./edge-revocations/handler.ts') },
  { manifest: sessionManifest, load: () => import('./session/handler.ts') },
  { manifest: webhooksManifest, load: () => import('./webhooks/handler.ts') },
  { manifest: webhookDispatchManifest, load: () => import('./webhook-dispatch/handler.ts') },
  { manifest: outboxRelayManifest, load: () => import('./outbox-relay/handler.ts') },
  { manifest: analyticsManifest, load: () => import('./analytics/handler.ts') },
  { manifest: analyticsForwardManifest, load: () => import('./analytics/forward-handler.ts') },
  { manifest: insightsManifest, load: () => import('./insights/handler.ts') },
  { manifest: warehouseLoaderManifest, load: () => import('./warehouse-loader/handler.ts') },
];

export function findFunction(name: string): CatalogEntry | undefined {
  return catalog.find((entry) => entry.manifest.name === name);
}

/** The function API Gateway calls for custom authentication. */
export const AUTHORIZER_FUNCTION = authorizerManifest.name;

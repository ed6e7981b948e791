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
import { handlerModules } from './handlers.ts';
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
  { manifest: healthManifest, load: handlerModules[healthManifest.name] },
  { manifest: authorizerManifest, load: handlerModules[authorizerManifest.name] },
  { manifest: accountsManifest, load: handlerModules[accountsManifest.name] },
  { manifest: designsManifest, load: handlerModules[designsManifest.name] },
  { manifest: ipUploadManifest, load: handlerModules[ipUploadManifest.name] },
  { manifest: licenseMintManifest, load: handlerModules[licenseMintManifest.name] },
  { manifest: printersManifest, load: handlerModules[printersManifest.name] },
  { manifest: printAuthorizeManifest, load: handlerModules[printAuthorizeManifest.name] },
  { manifest: settlerManifest, load: handlerModules[settlerManifest.name] },
  { manifest: chainIndexerManifest, load: handlerModules[chainIndexerManifest.name] },
  { manifest: videosManifest, load: handlerModules[videosManifest.name] },
  { manifest: transcodeDispatchManifest, load: handlerModules[transcodeDispatchManifest.name] },
  { manifest: transcoderScalerManifest, load: handlerModules[transcoderScalerManifest.name] },
  { manifest: vodPackageManifest, load: handlerModules[vodPackageManifest.name] },
  { manifest: liveStreamsManifest, load: handlerModules[liveStreamsManifest.name] },
  { manifest: liveIngestManifest, load: handlerModules[liveIngestManifest.name] },
  { manifest: liveWatchdogManifest, load: handlerModules[liveWatchdogManifest.name] },
  { manifest: showsManifest, load: handlerModules[showsManifest.name] },
  { manifest: stripeWebhookManifest, load: handlerModules[stripeWebhookManifest.name] },
  { manifest: stripeSweepManifest, load: handlerModules[stripeSweepManifest.name] },
  { manifest: ticketsManifest, load: handlerModules[ticketsManifest.name] },
  { manifest: showAccessManifest, load: handlerModules[showAccessManifest.name] },
  { manifest: cdnLogsManifest, load: handlerModules[cdnLogsManifest.name] },
  { manifest: edgeRevocationsManifest, load: handlerModules[edgeRevocationsManifest.name] },
  { manifest: sessionManifest, load: handlerModules[sessionManifest.name] },
  { manifest: webhooksManifest, load: handlerModules[webhooksManifest.name] },
  { manifest: webhookDispatchManifest, load: handlerModules[webhookDispatchManifest.name] },
  { manifest: outboxRelayManifest, load: handlerModules[outboxRelayManifest.name] },
  { manifest: analyticsManifest, load: handlerModules[analyticsManifest.name] },
  { manifest: analyticsForwardManifest, load: handlerModules[analyticsForwardManifest.name] },
  { manifest: insightsManifest, load: handlerModules[insightsManifest.name] },
  { manifest: warehouseLoaderManifest, load: handlerModules[warehouseLoaderManifest.name] },
];

// A loader without a manifest would be a function the gateway, the runner and Terraform never see.
const unlisted = Object.keys(handlerModules).filter((name) => !catalog.some((e) => e.manifest.name === name));
if (unlisted.length > 0)
  throw new Error(`functions/handlers.ts loads unlisted functions: ${unlisted.join(', ')}`);

export function findFunction(name: string): CatalogEntry | undefined {
  return catalog.find((entry) => entry.manifest.name === name);
}

/** The function API Gateway calls for custom authentication. */
export const AUTHORIZER_FUNCTION = authorizerManifest.name;

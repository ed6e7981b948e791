import { fileURLToPath } from 'node:url';
import { launchChromium, startPortalCloud } from '../test/support/browser.ts';
import { benchChatFanout } from './chat-fanout.ts';
import { benchColdStart, COLD_START_LEGEND } from './cold-start.ts';
import { benchColdStartSecrets } from './cold-start-secrets.ts';
import { benchEventToDashboard } from './event-to-dashboard.ts';
import { benchHotPath } from './hot-path.ts';
import { benchCloud } from './lib/local-cloud.ts';
import { benchLicenseGas } from './license-gas.ts';
import { benchLicenseMint } from './license-mint.ts';
import { benchLiveGlassToGlass } from './live-glass.ts';
import { benchLiveIngest } from './live-ingest.ts';
import { benchLiveToVod } from './live-to-vod.ts';
import { benchLiveWhip } from './live-whip.ts';
import { benchMetricsOverhead } from './metrics-overhead.ts';
import { benchPortalLoad } from './portal-load.ts';
import { benchPortalSignIn } from './portal-sign-in.ts';
import { benchPrintAuthorize } from './print-authorize.ts';
import { benchRelayThroughput } from './relay-throughput.ts';
import { benchStripeWebhook } from './stripe-webhook.ts';
import { benchTranscodeLadder } from './transcode-ladder.ts';
import { benchVaultSeal } from './vault-seal.ts';
import { benchWatchFirstFrame } from './watch-first-frame.ts';
import { benchShowsAppSize, benchWebSize } from './web-size.ts';
import { benchWebhookFanout } from './webhook-fanout.ts';

/**
 * `npm run bench [cold-start|cold-start-secrets|hot-path|metrics-overhead|vault-seal|license-gas|print-authorize|stripe-webhook|license-mint|transcode-ladder|portal|web-size|watch-first-frame|live-ingest|live-whip|live-to-vod|live-glass|chat-fanout|relay-throughput|webhook-fanout|event-to-dashboard]`: each figure is printed beside a baseline measured in
 * the same run, because these machines are small and shared and absolute numbers drift.
 */
const only = process.argv[2];
if (only === 'vault-seal') {
  console.log(
    '\n# Design vault: validation + fingerprint + encryption of a 50 MB binary STL vs sha256 alone',
  );
  console.table(await benchVaultSeal());
  process.exit(0);
}
if (!only || only === 'live-ingest') {
  console.log(
    '\n# Live ingest: path CPU (agent + nginx + ladder) vs the bare ffmpeg ladder, ladder core-seconds per media second, playlist lag',
  );
  console.log(JSON.stringify(await benchLiveIngest(), null, 2));
  if (only) process.exit(0);
}
if (!only || only === 'live-whip') {
  console.log('\n# WHIP receiver CPU per 2.5 Mb/s publisher');
  console.log(JSON.stringify(await benchLiveWhip(), null, 2));
  if (only) process.exit(0);
}
if (!only || only === 'live-to-vod') {
  console.log('\n# Live to VOD: a recorded 3-rung live show remuxed into VOD vs real time');
  console.log(JSON.stringify(await benchLiveToVod(), null, 2));
  if (only) process.exit(0);
}
if (only === 'transcode-ladder') {
  console.log(
    '\n# Video ladder 1080/720/480/360 of a 30 s 1080p30 clip: worker vs one ffmpeg per rung vs the bare command; remux speed',
  );
  console.table(await benchTranscodeLadder());
  process.exit(0);
}
if (only === 'license-gas') {
  console.log('\n# LicenseLedger gas (receipt totals incl. 21k) vs OpenZeppelin ERC1155 _mint/_burn');
  console.table(await benchLicenseGas());
  process.exit(0);
}
if (only === 'metrics-overhead') {
  // Two local clouds of its own (metrics pushed vs none), not the shared one below.
  console.log(
    '\n# Metrics overhead: GET /v1/health/live through gateway + FDK, METRICS_BACKEND=push vs none',
  );
  console.log(JSON.stringify(await benchMetricsOverhead(), null, 2));
  process.exit(0);
}
if (only === 'cold-start-secrets') {
  console.log('\n# Cold start with 3 Vault secret references (resource principal) vs plain env values');
  console.log(JSON.stringify(await benchColdStartSecrets(), null, 2));
  process.exit(0);
}
if (!only || only === 'chat-fanout') {
  // The local chat server alone (no cloud): 200 viewers of one show, a bare ws broadcast as baseline.
  console.log(
    '\n# Chat fan-out: p99 send → receipt to 200 connected viewers (target ≤ 200 ms) vs a bare ws broadcast server',
  );
  console.log(JSON.stringify(await benchChatFanout(), null, 2));
  if (only) process.exit(0);
}
if (!only || only === 'relay-throughput') {
  // A MariaDB of its own (or MYSQL_URL's server), no cloud.
  console.log(
    '\n# Outbox relay: events/s from the outbox to the MariaDB event stream (target ≥ 2,000) vs multi-row inserts into the outbox',
  );
  console.log(JSON.stringify(await benchRelayThroughput(), null, 2));
  if (only) process.exit(0);
}
if (!only || only === 'webhook-fanout') {
  // A MariaDB of its own, a receiver in a child process, no cloud.
  console.log(
    '\n# Webhook fan-out: 50 endpoints × 1,000 events, stream → deliveries → signed POSTs (deliveries/s, p99 put → receipt) vs plain signed POSTs at the same concurrency',
  );
  console.log(JSON.stringify(await benchWebhookFanout(), null, 2));
  if (only) process.exit(0);
}
if (!only || only === 'event-to-dashboard') {
  // A cloud of its own, as npm start runs it (schedules and nudges on).
  console.log(
    '\n# Event to dashboard: API call → outbox → relay → stream → warehouse loader → insights count, p50/p99 (target p99 ≤ 5 s) vs an INSERT-then-SELECT round trip',
  );
  console.log(JSON.stringify(await benchEventToDashboard(), null, 2));
  if (only) process.exit(0);
}
if (!only || only === 'web-size') {
  // The built app (dist/web, from node scripts/build.ts): no cloud needed.
  console.log('\n# Portal JavaScript: initial load (gzip) vs the 25 KB target, and the largest lazy chunk');
  console.table(await benchWebSize(fileURLToPath(new URL('../dist/web/', import.meta.url))));
  console.log(
    '\n# Shows app JavaScript: the public catalogue (gzip) vs the 25 KB target, and the player chunk',
  );
  console.table(await benchShowsAppSize(fileURLToPath(new URL('../dist/web/', import.meta.url))));
  if (only) process.exit(0);
}
if (!only || only === 'portal') {
  // The whole local cloud as npm start runs it (web server, provider, seeded people), in headless Chromium.
  const portal = await startPortalCloud('bench-portal', {
    ...(process.env.MYSQL_URL ? { mysqlServerUrl: process.env.MYSQL_URL } : {}),
  });
  const browser = await launchChromium();
  try {
    console.log(
      '\n# Portal load to interactive (signed-in designer, cold cache) through the local cloud vs the same build on a bare static server',
    );
    console.log(JSON.stringify(await benchPortalLoad(portal, browser), null, 2));
    console.log('\n# Sign-in round trip through the local OpenID provider (report only)');
    console.log(JSON.stringify(await benchPortalSignIn(portal, browser), null, 2));
  } finally {
    await browser.close();
    await portal.stop();
  }
  if (only) process.exit(0);
}
if (!only || only === 'watch-first-frame') {
  // A cloud of its own with a ready video and a ticket holder, and the watch page in headless Chromium.
  const browser = await launchChromium();
  try {
    console.log(
      '\n# Watch page: time to first frame through the local cloud and edge vs the same page and HLS on a bare static server',
    );
    console.log(JSON.stringify(await benchWatchFirstFrame(browser), null, 2));
  } finally {
    await browser.close();
  }
  if (only) process.exit(0);
}
if (!only || only === 'live-glass') {
  // A cloud of its own with the live ingest worker, and a player in headless Chromium.
  const live = await benchCloud();
  const browser = await launchChromium();
  try {
    for (const protocol of ['rtmp', 'whip'] as const) {
      console.log(
        `\n# Live glass-to-glass over ${protocol.toUpperCase()}: encoder → ingest → ladder → edge → hls.js in Chromium`,
      );
      console.log(
        JSON.stringify(await benchLiveGlassToGlass(live.cloud, live.dataDir, browser, protocol), null, 2),
      );
    }
  } finally {
    await browser.close();
    await live.close();
  }
  if (only) process.exit(0);
}
const { cloud, dataDir, close } = await benchCloud();
try {
  if (!only || only === 'cold-start') {
    console.log('\n# Cold start: spawn -> first answer on a fresh container, median per function');
    console.log(COLD_START_LEGEND);
    console.table(await benchColdStart(cloud));
  }
  if (!only) {
    console.log(
      '\n# Design vault: validation + fingerprint + encryption of a 50 MB binary STL vs sha256 alone',
    );
    console.table(await benchVaultSeal());
  }
  if (!only || only === 'hot-path') {
    console.log('\n# Hot path: GET /v1/health/live through gateway + FDK vs the same handler in-process');
    console.log(JSON.stringify(await benchHotPath(cloud), null, 2));
  }
  if (!only || only === 'print-authorize') {
    console.log(
      '\n# Print authorization: POST /v1/print-jobs through gateway + FDK + MariaDB vs GET /v1/health/live',
    );
    console.log(JSON.stringify(await benchPrintAuthorize(cloud), null, 2));
  }
  if (!only || only === 'stripe-webhook') {
    console.log(
      '\n# Verified Stripe webhook events through gateway + FDK + MariaDB (exactly-once checked) vs GET /v1/health/live',
    );
    console.log(JSON.stringify(await benchStripeWebhook(cloud), null, 2));
  }
  // Last: its baseline sends from the relayer key behind the relayer's back.
  if (!only || only === 'license-mint') {
    console.log(
      '\n# Mints end to end with 50 concurrent clients vs issue transactions sent straight to the chain',
    );
    console.log(JSON.stringify(await benchLicenseMint(cloud, dataDir), null, 2));
  }
} finally {
  await close();
}

import http from 'node:http';
import { percentile, round } from './stats.ts';

/**
 * Closed-loop HTTP load from its own process (so it does not share an event loop with the
 * server under test): `concurrency` keep-alive connections, each sending the next request as
 * soon as the previous answer arrives, for `requests` requests in total (fallback when wrk is absent). Bounded in count and
 * time, loopback only. Prints one JSON line: throughput and latency percentiles.
 */
const [url, requestsArg, concurrencyArg] = process.argv.slice(2);
if (!url || !new URL(url).hostname.match(/^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/)) {
  throw new Error('load generator only targets loopback URLs');
}
const total = Number(requestsArg ?? 5000);
const concurrency = Number(concurrencyArg ?? 16);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const latencies: number[] = [];
let sent = 0;
let errors = 0;
const hardStop = Date.now() + 120_000;

function once(): Promise<void> {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.get(url as string, { agent }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode !== 200) errors += 1;
        latencies.push(performance.now() - started);
        resolve();
      });
    });
    req.on('error', () => {
      errors += 1;
      resolve();
    });
  });
}

async function worker(): Promise<void> {
  while (sent < total && Date.now() < hardStop) {
    sent += 1;
    await once();
  }
}

const started = performance.now();
await Promise.all(Array.from({ length: concurrency }, worker));
const seconds = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
agent.destroy();
console.log(
  JSON.stringify({
    requests: latencies.length,
    errors,
    perSecond: round(latencies.length / seconds, 0),
    p50: round(percentile(latencies, 50), 3),
    p99: round(percentile(latencies, 99), 3),
  }),
);

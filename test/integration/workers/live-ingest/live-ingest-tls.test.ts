import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningS3Server, startS3Server } from '../../../../infra/local/s3/server.ts';
import {
  type ControlPlaneStandIn,
  type RunningAgent,
  startAgentProcess,
  startControlPlaneStandIn,
} from '../../../../workers/live-ingest/dev/stand-in.ts';

/**
 * The ingest host's own certificate, given as PEM values (as Vault hands them through
 * `<KEY>_SECRET_OCID`): nginx ends RTMPS with it, and WHIP is served over HTTPS with it, so a
 * browser on an https:// page can publish. Checked with a client that trusts only that
 * certificate and names the host it was made for.
 */
const API_KEY = 'fcak_test_live_ingest_tls';
const HOST = 'ingest-0.live.example';

let dir: string;
let s3: RunningS3Server;
let cp: ControlPlaneStandIn;
let agent: RunningAgent | undefined;
let cert: Buffer;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fc-live-ingest-tls-'));
  await chmod(dir, 0o711); // the agent's children run as nobody below it
  execFileSync('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${HOST}`,
    '-addext',
    `subjectAltName=DNS:${HOST}`,
    '-keyout',
    join(dir, 'key.pem'),
    '-out',
    join(dir, 'cert.pem'),
  ]);
  cert = await readFile(join(dir, 'cert.pem'));
  s3 = await startS3Server({
    dataDir: join(dir, 'data'),
    namespace: 'forgecast-ns',
    port: 0,
    accessKeyId: 'LIVETLSTEST',
    secretAccessKey: 'live-tls-test-secret',
    region: 'eu-frankfurt-1',
    buckets: ['media'],
    onObjectEvent: () => {},
  });
  cp = await startControlPlaneStandIn({ apiKey: API_KEY, updateIntervalSeconds: 2 });
  agent = await startAgentProcess({
    LIVE_INGEST_API_URL: cp.url,
    LIVE_INGEST_API_KEY: API_KEY,
    S3_ENDPOINT: s3.endpoint,
    S3_REGION: 'eu-frankfurt-1',
    S3_ACCESS_KEY_ID: 'LIVETLSTEST',
    S3_SECRET_ACCESS_KEY: 'live-tls-test-secret',
    MEDIA_BUCKET: 'media',
    WORKER_ID: 'live-tls-test',
    LIVE_RTMP_PORT: '0',
    LIVE_RTMPS_PORT: '0',
    LIVE_WHIP_PORT: '0',
    LIVE_TLS_CERT_PEM: cert.toString('utf8'),
    LIVE_TLS_KEY_PEM: await readFile(join(dir, 'key.pem'), 'utf8'),
    WORK_DIR: join(dir, 'work'),
  });
}, 120_000);

afterAll(async () => {
  if (agent && agent.child.exitCode === null) {
    agent.child.kill('SIGTERM');
    await new Promise((resolve) => agent?.child.once('exit', resolve));
  }
  await cp?.close();
  await s3?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A TLS handshake to 127.0.0.1:port trusting only `cert` for HOST; resolves with whether it verified. */
function handshake(port: number): Promise<{ authorized: boolean; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, servername: HOST, ca: cert }, () => {
      resolve({ authorized: socket.authorized });
      socket.destroy();
    });
    socket.once('error', (error) => resolve({ authorized: false, error: error.message }));
  });
}

describe('live-ingest agent with the host certificate', () => {
  it('ends RTMPS with the given certificate, not a self-signed one of its own', async () => {
    const result = await handshake(agent?.rtmpsPort as number);
    expect(result).toEqual({ authorized: true });
  });

  it('serves WHIP over HTTPS with it: a wrong key still gets 401 before any ICE work', async () => {
    const whip = new URL(agent?.ready.whip as string);
    expect(whip.protocol).toBe('https:');
    expect((await handshake(Number(whip.port))).authorized).toBe(true);
    const status = await new Promise<number>((resolve, reject) => {
      const call = request(
        {
          host: '127.0.0.1',
          port: Number(whip.port),
          path: '/whip',
          method: 'POST',
          servername: HOST,
          ca: cert,
          headers: {
            'content-type': 'application/sdp',
            authorization: `Bearer fcsk_${'X'.repeat(43)}`,
          },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      call.once('error', reject);
      call.end('v=0\r\n');
    });
    expect(status).toBe(401);
  });
});

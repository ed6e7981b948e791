import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import type { RowDataPacket } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUCKETS } from '#events/buckets.ts';
import { DESIGN_REGISTRY_ABI } from '#shared/chain/design-registry.ts';
import { createDesignDecipher } from '#shared/crypto/data-key.ts';
import { createLocalKeyWrapper } from '#shared/crypto/local-key-wrapper.ts';
import { createPool, type DbPool } from '#shared/db/pool.ts';
import { idToBytes16 } from '#shared/ids.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';
import { createS3ObjectStore } from '#shared/storage/s3-object-store.ts';
import { ensureOperatorKey } from '../../infra/local/bootstrap.ts';
import { type LocalCloud, startLocalCloud } from '../../infra/local/cloud.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { binaryStlCube, truncated } from '../support/design-files.ts';

interface DesignView {
  id: string;
  status: string;
  rejection: { code: string; reason: string } | null;
  fingerprint: { value: string } | null;
  metrics: { triangleCount: number; volume: number; units: string } | null;
  chainProof: { transactionHash: string; blockNumber: number; registry: string; confirmed: boolean } | null;
  thumbnailUrl: string | null;
  upload?: { url: string; method: string; headers: Record<string, string> };
}

describe('IP vault end to end (local cloud, as a client)', () => {
  let dataDir: string;
  let db: TestDatabase;
  let cloud: LocalCloud;
  let pool: DbPool;
  let store: ObjectStore;
  let designer: string;
  let otherOrg: string;
  let operator: string;
  let designerOrgId: string;
  let otherOrgId: string;

  const api = async (path: string, key: string, init: RequestInit = {}) =>
    fetch(`${cloud.gatewayUrl}${path}`, {
      ...init,
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        ...(init.headers ?? {}),
      },
    });

  async function createOrg(operatorKey: string, name: string): Promise<{ id: string; key: string }> {
    const response = await api('/orgs', operatorKey, {
      method: 'POST',
      body: JSON.stringify({ name, kind: 'designer', scopes: ['designs:write', 'designs:read'] }),
    });
    expect(response.status).toBe(201);
    const org = (await response.json()) as { id: string; apiKey: { key: string } };
    return { id: org.id, key: org.apiKey.key };
  }

  async function uploadDesign(key: string, file: Buffer, name = 'bracket'): Promise<DesignView> {
    const created = await api('/designs', key, {
      method: 'POST',
      body: JSON.stringify({ name, format: 'stl', sizeBytes: file.length }),
    });
    expect(created.status).toBe(201);
    const design = (await created.json()) as DesignView;
    expect(design.status).toBe('awaiting_upload');
    const put = await fetch(design.upload?.url ?? '', {
      method: 'PUT',
      headers: design.upload?.headers,
      body: file,
    });
    expect(put.status).toBe(200);
    await cloud.events.idle();
    return (await (await api(`/designs/${design.id}`, key)).json()) as DesignView;
  }

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fc-vault-'));
    db = await createTestDatabase(inject('mysqlUrl'), 'vault');
    cloud = await startLocalCloud({ dataDir, mysqlUrl: db.url, logLevel: 'warn', authorizerCacheMs: 0 });
    pool = createPool(cloud.mysqlUrl);
    const env = cloud.platformEnv;
    store = createS3ObjectStore({
      endpoint: env.S3_ENDPOINT as string,
      region: env.S3_REGION as string,
      accessKeyId: env.S3_ACCESS_KEY_ID as string,
      secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
    });
    operator = (await readFile((await ensureOperatorKey(cloud.mysqlUrl, dataDir)).file, 'utf8')).trim();
    ({ id: designerOrgId, key: designer } = await createOrg(operator, 'Designer A'));
    ({ id: otherOrgId, key: otherOrg } = await createOrg(operator, 'Designer B'));
  });
  afterAll(async () => {
    await pool?.end();
    await cloud?.stop();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('registers an uploaded STL: fingerprint, metadata, chain proof, encrypted copy, no plaintext left', async () => {
    const file = binaryStlCube(10);

    const design = await uploadDesign(designer, file);

    expect(design.status).toBe('registered');
    const sha256 = createHash('sha256').update(file).digest('hex');
    expect(design.fingerprint?.value).toBe(sha256);
    expect(design.metrics?.triangleCount).toBe(12);
    expect(design.metrics?.volume).toBeCloseTo(1000, 3);
    expect(design.chainProof?.confirmed).toBe(true);

    // The chain says so too, read straight over JSON-RPC.
    const rpc = async (method: string, params: unknown[]) =>
      (
        (await (
          await fetch(cloud.chainRpcUrl, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
          })
        ).json()) as { result: unknown }
      ).result;
    const receipt = (await rpc('eth_getTransactionReceipt', [design.chainProof?.transactionHash])) as {
      status: string;
    };
    expect(receipt.status).toBe('0x1');
    const registry = new Interface(DESIGN_REGISTRY_ABI);
    const raw = await rpc('eth_call', [
      { to: design.chainProof?.registry, data: registry.encodeFunctionData('designOf', [`0x${sha256}`]) },
      'latest',
    ]);
    const [onChain] = registry.decodeFunctionResult('designOf', raw as string);
    expect(String(onChain.designId).toLowerCase()).toBe(idToBytes16(design.id));

    // The vault holds ciphertext that decrypts to the exact bytes; the incoming copy is gone.
    expect(await store.head(BUCKETS.incomingDesigns, `designs/${design.id}/source`)).toBeUndefined();
    const [keys] = await pool.query<RowDataPacket[]>('SELECT * FROM design_keys WHERE design_id = ?', [
      design.id,
    ]);
    const credentials = JSON.parse(await readFile(join(dataDir, 'local-credentials.json'), 'utf8'));
    const dataKey = await createLocalKeyWrapper(Buffer.from(credentials.masterKeyBase64, 'base64')).unwrap(
      keys[0]?.wrapped_key,
    );
    const { body } = await store.get(BUCKETS.vault, `designs/${design.id}/v1.bin`);
    const ciphertext = Buffer.concat(await body.toArray());
    expect(ciphertext.equals(file)).toBe(false);
    const decipher = createDesignDecipher(dataKey, keys[0]?.iv, keys[0]?.auth_tag, Buffer.from(design.id));
    const plaintext = Buffer.concat(await decipher.end(ciphertext).toArray());
    expect(plaintext.equals(file)).toBe(true);

    // Preview for people.
    const thumbnail = await api(`/designs/${design.id}/thumbnail`, designer);
    expect(thumbnail.headers.get('content-type')).toBe('image/png');
    expect(
      Buffer.from(await thumbnail.arrayBuffer())
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });

  it('refuses the same file a second time as a duplicate, and registers nothing new', async () => {
    const file = binaryStlCube(20);
    const first = await uploadDesign(designer, file, 'first');
    const second = await uploadDesign(designer, file, 'copy');

    expect(first.status).toBe('registered');
    expect(second.status).toBe('rejected');
    expect(second.rejection?.code).toBe('duplicate_design');
    expect(second.rejection?.reason).toContain(first.id);
    expect(second.chainProof).toBeNull();
  });

  it('rejects a truncated file with a reason and keeps nothing of it', async () => {
    const design = await uploadDesign(designer, truncated(binaryStlCube(30), 25));

    expect(design.status).toBe('rejected');
    expect(design.rejection?.reason).toMatch(/bytes/);
    expect(await store.head(BUCKETS.incomingDesigns, `designs/${design.id}/source`)).toBeUndefined();
    expect(await store.head(BUCKETS.vault, `designs/${design.id}/v1.bin`)).toBeUndefined();
  });

  it('processes a redelivered event once: no second record, ciphertext or transaction', async () => {
    const design = await uploadDesign(designer, binaryStlCube(40));
    const [before] = await pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM outbox WHERE aggregate_id = ?',
      [design.id],
    );

    await cloud.events.publish({
      eventType: 'com.oraclecloud.objectstorage.createobject',
      cloudEventsVersion: '0.1',
      eventTypeVersion: '2.0',
      source: 'ObjectStorage',
      eventTime: new Date().toISOString(),
      eventID: 'replayed-event',
      data: {
        resourceName: `designs/${design.id}/source`,
        resourceId: `/n/forgecast/b/${BUCKETS.incomingDesigns}/o/designs/${design.id}/source`,
        additionalDetails: { bucketName: BUCKETS.incomingDesigns, namespace: 'forgecast', eTag: 'whatever' },
      },
    });
    await cloud.events.idle();

    const after = (await (await api(`/designs/${design.id}`, designer)).json()) as DesignView;
    expect(after.chainProof?.transactionHash).toBe(design.chainProof?.transactionHash);
    const [outbox] = await pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n FROM outbox WHERE aggregate_id = ?',
      [design.id],
    );
    expect(outbox[0]?.n).toBe(before[0]?.n);
  });

  it('keeps one organisation out of another one’s designs', async () => {
    const design = await uploadDesign(designer, binaryStlCube(50));

    expect((await api(`/designs/${design.id}`, otherOrg)).status).toBe(404);
    expect((await api(`/designs/${design.id}/thumbnail`, otherOrg)).status).toBe(404);
    const list = (await (await api('/designs', otherOrg)).json()) as { items: DesignView[] };
    expect(list.items.map((d) => d.id)).not.toContain(design.id);
  });

  it('binds the presigned URL to the declared size', async () => {
    const created = await api('/designs', designer, {
      method: 'POST',
      body: JSON.stringify({ name: 'liar', format: 'stl', sizeBytes: 684 }),
    });
    const design = (await created.json()) as DesignView;
    const put = await fetch(design.upload?.url ?? '', {
      method: 'PUT',
      headers: { ...design.upload?.headers, 'content-length': '884' },
      body: binaryStlCube(60, 884),
    });
    expect(put.status).toBe(403);
  });

  it('pages through a designer’s designs newest first', async () => {
    const page1 = (await (await api('/designs?limit=2', designer)).json()) as {
      items: DesignView[];
      nextCursor: string;
    };
    const page2 = (await (await api(`/designs?limit=2&cursor=${page1.nextCursor}`, designer)).json()) as {
      items: DesignView[];
    };
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).toBe(page1.items[1]?.id);
    expect((page2.items[0]?.id ?? '') < (page1.items[1]?.id ?? '')).toBe(true);
  });
  it('refuses another organisation’s identical file without naming its design, and tells the operator', async () => {
    const file = binaryStlCube(70);
    const first = await uploadDesign(designer, file, 'original');

    const copy = await uploadDesign(otherOrg, file, 'copy');

    expect(first.status).toBe('registered');
    expect(copy.status).toBe('rejected');
    expect(copy.rejection).toEqual({
      code: 'duplicate_design',
      reason: 'This file is identical to a design already registered.',
    });
    expect(JSON.stringify(copy)).not.toContain(first.id);
    // The operator's list names both sides; a designer may not read it.
    const answer = await api(`/provenance-conflicts?orgId=${otherOrgId}`, operator);
    expect(answer.status).toBe(200);
    const conflicts = (await answer.json()) as { items: unknown[]; nextCursor: string | null };
    expect(conflicts.items).toContainEqual({
      id: expect.any(String),
      fingerprint: { algorithm: 'sha256', value: createHash('sha256').update(file).digest('hex') },
      holder: { designId: first.id, orgId: designerOrgId, creator: null },
      later: { designId: copy.id, orgId: otherOrgId },
      detectedBy: 'vault',
      detectedAt: expect.any(String),
    });
    expect((await api('/provenance-conflicts', designer)).status).toBe(403);
    expect((await api('/provenance-conflicts?limit=0', operator)).status).toBe(400);
  });

  it('deletes bytes PUT again through a registered design’s presigned URL when their event arrives', async () => {
    const file = binaryStlCube(80);
    const created = (await (
      await api('/designs', designer, {
        method: 'POST',
        body: JSON.stringify({ name: 'once', format: 'stl', sizeBytes: file.length }),
      })
    ).json()) as DesignView;
    const put = (body: Buffer) =>
      fetch(created.upload?.url ?? '', { method: 'PUT', headers: created.upload?.headers, body });
    expect((await put(file)).status).toBe(200);
    await cloud.events.idle();
    const registered = (await (await api(`/designs/${created.id}`, designer)).json()) as DesignView;
    expect(registered.status).toBe('registered');

    // The URL has not expired: other bytes of the declared size are accepted by the store.
    const other = Buffer.from(file);
    other.fill(0x42, 0, 80);
    expect((await put(other)).status).toBe(200);
    await cloud.events.idle();

    expect(await store.head(BUCKETS.incomingDesigns, `designs/${created.id}/source`)).toBeUndefined();
    const after = (await (await api(`/designs/${created.id}`, designer)).json()) as DesignView;
    expect(after.status).toBe('registered');
    expect(after.fingerprint).toEqual(registered.fingerprint);
    expect(await cloud.events.deadLetters()).toEqual([]);
  });
});

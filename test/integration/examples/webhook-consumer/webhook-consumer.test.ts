import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSigningSecret, signatureHeader } from '#shared/webhooks/signature.ts';
import { createWebhookConsumer, type ForgecastEvent } from '../../../../examples/webhook-consumer/server.ts';
import { verifyForgecastSignature } from '../../../../examples/webhook-consumer/verify.ts';

const event: ForgecastEvent = {
  id: '0b6d2f0e-2a8c-4d44-9d6b-3f1f4f0f6a11',
  type: 'license.minted',
  version: 1,
  aggregateType: 'license',
  aggregateId: 'l-1',
  occurredAt: '2026-12-07T17:00:00.000Z',
  sequence: '42',
  payload: { licenseId: 'l-1', designId: 'd-1', holderOrgId: 'org-2', tokenId: '7', txHash: null },
};

/**
 * The sample consumer integrators copy (examples/webhook-consumer), against signatures made by the
 * platform's own signer: a real HTTP server on loopback, real requests.
 */
describe('Example: webhook consumer', () => {
  const oldSecret = newSigningSecret().text;
  const newSecret = newSigningSecret().text;
  let heldSecrets: string[] = [oldSecret];
  const received: ForgecastEvent[] = [];
  let failNext = false;
  const server = createWebhookConsumer({
    secrets: () => heldSecrets,
    onEvent: (delivered) => {
      if (failNext) {
        failNext = false;
        throw new Error('the database is down');
      }
      received.push(delivered);
    },
  });
  let url = '';

  const post = (body: string, header: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'forgecast-signature': header },
      body,
    });
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('accepts a correctly signed event once, and a redelivery of it without handling it twice', async () => {
    // Prepare
    heldSecrets = [oldSecret];
    received.length = 0;
    const body = JSON.stringify(event);

    // Act
    const first = await post(body, signatureHeader([oldSecret], now(), body));
    const again = await post(body, signatureHeader([oldSecret], now(), body));

    // Assess
    expect(first.status).toBe(204);
    expect(again.status).toBe(204);
    expect(received).toEqual([event]);
  });

  it('answers 500 when handling fails, and handles the redelivery', async () => {
    // Prepare
    heldSecrets = [oldSecret];
    received.length = 0;
    const redelivered = { ...event, id: '7c1f4c2e-5b0a-4f51-8d8e-1f0b9a3c2d44' };
    const body = JSON.stringify(redelivered);
    failNext = true;

    // Act
    const failed = await post(body, signatureHeader([oldSecret], now(), body));
    const again = await post(body, signatureHeader([oldSecret], now(), body));

    // Assess
    expect(failed.status).toBe(500);
    expect(again.status).toBe(204);
    expect(received).toEqual([redelivered]);
  });

  it('refuses a tampered body', async () => {
    // Prepare
    heldSecrets = [oldSecret];
    const body = JSON.stringify(event);
    const header = signatureHeader([oldSecret], now(), body);

    // Act
    const response = await post(body.replace('"tokenId":"7"', '"tokenId":"8"'), header);

    // Assess
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('no_match');
  });

  it('refuses a timestamp more than five minutes old, even correctly signed', async () => {
    // Prepare
    heldSecrets = [oldSecret];
    const body = JSON.stringify(event);

    // Act
    const stale = await post(body, signatureHeader([oldSecret], now() - 301, body));
    const recent = await post(body, signatureHeader([oldSecret], now() - 200, body));

    // Assess
    expect(stale.status).toBe(400);
    expect(await stale.text()).toContain('stale');
    expect(recent.status).toBe(204);
  });

  it('accepts the old and the new secret while a rotation overlaps, and refuses the old one after', async () => {
    // Prepare: during the overlap forgecast signs with both (new first).
    const body = JSON.stringify(event);
    const overlapping = signatureHeader([newSecret, oldSecret], now(), body);
    const afterOverlap = signatureHeader([newSecret], now(), body);

    // Act
    heldSecrets = [oldSecret];
    const oldDuring = await post(body, overlapping);
    heldSecrets = [newSecret];
    const newDuring = await post(body, overlapping);
    const newAfter = await post(body, afterOverlap);
    heldSecrets = [oldSecret];
    const oldAfter = await post(body, afterOverlap);

    // Assess
    expect([oldDuring.status, newDuring.status, newAfter.status]).toEqual([204, 204, 204]);
    expect(oldAfter.status).toBe(400);
    expect(await oldAfter.text()).toContain('no_match');
  });

  it('refuses a missing or malformed header without comparing anything', () => {
    // Act / Assess
    expect(verifyForgecastSignature({ rawBody: '{}', header: undefined, secrets: oldSecret })).toEqual({
      ok: false,
      reason: 'missing_header',
    });
    expect(verifyForgecastSignature({ rawBody: '{}', header: 't=1,v1=zz', secrets: oldSecret })).toEqual({
      ok: false,
      reason: 'malformed_header',
    });
  });
});

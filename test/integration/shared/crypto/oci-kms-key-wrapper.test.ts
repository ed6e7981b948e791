import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyWrapError } from '#shared/crypto/key-wrapper.ts';
import { createOciKmsKeyWrapper } from '#shared/crypto/oci-kms-key-wrapper.ts';
import { type FakeOciKms, startFakeOciKms } from '#test/support/fake-oci-kms.ts';
import { rsaKeyPair, TEST_SIGNING_KEY_ID, testAuthProvider } from '#test/support/oci-test-auth.ts';

async function failure(promise: Promise<unknown>): Promise<KeyWrapError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(KeyWrapError);
  return error as KeyWrapError;
}

function statusOf(error: KeyWrapError): unknown {
  return (error.cause as { statusCode?: unknown } | undefined)?.statusCode;
}

describe('OCI KMS key wrapper against the fake Vault crypto endpoint', () => {
  const registered = rsaKeyPair();
  let fake: FakeOciKms;
  let keyNumber = 0;

  function freshKey(): { keyId: string; keyVersionId: string } {
    keyNumber += 1;
    const keyId = `ocid1.key.oc1.phx.fake${keyNumber}`;
    return { keyId, keyVersionId: fake.createKey(keyId) };
  }

  function wrapperFor(keyId: string, extra: { keyVersionId?: string; privateKey?: string } = {}) {
    return createOciKmsKeyWrapper({
      cryptoEndpoint: `${fake.endpoint}/`,
      keyId,
      ...(extra.keyVersionId === undefined ? {} : { keyVersionId: extra.keyVersionId }),
      authenticationDetailsProvider: testAuthProvider(extra.privateKey ?? registered.privateKey),
    });
  }

  beforeAll(async () => {
    fake = await startFakeOciKms({ keys: { [TEST_SIGNING_KEY_ID]: registered.publicKey } });
  });

  afterAll(async () => {
    await fake?.close();
  });

  it('round-trips a data key through signed encrypt and decrypt calls', async () => {
    const { keyId } = freshKey();
    const wrapper = wrapperFor(keyId);
    expect(wrapper.keyRef).toBe(`oci:${keyId}`);
    const dataKey = randomBytes(32);
    const callsBefore = fake.calls.length;

    const wrapped = await wrapper.wrap(dataKey);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(await wrapper.unwrap(wrapped)).toEqual(dataKey);

    expect(fake.calls.slice(callsBefore)).toEqual([
      { path: '/20180608/encrypt', body: { keyId, plaintext: dataKey.toString('base64') } },
      { path: '/20180608/decrypt', body: { keyId, ciphertext: wrapped.toString('base64') } },
    ]);
    expect(fake.rejectedRequests).toBe(0);
  });

  it('pins a key version on wrap and still unwraps older versions after rotation', async () => {
    const { keyId, keyVersionId } = freshKey();
    const pinned = wrapperFor(keyId, { keyVersionId });
    expect(pinned.keyRef).toBe(`oci:${keyId}:${keyVersionId}`);
    const dataKey = randomBytes(32);
    const wrapped = await pinned.wrap(dataKey);
    expect(fake.calls.at(-1)?.body).toMatchObject({ keyVersionId });

    const newVersionId = fake.rotateKey(keyId);
    const current = wrapperFor(keyId, { keyVersionId: newVersionId });
    expect(await current.unwrap(wrapped)).toEqual(dataKey);
    expect(await wrapperFor(keyId).unwrap(await wrapperFor(keyId).wrap(dataKey))).toEqual(dataKey);
  });

  it('is refused with 401 when requests are signed with an unregistered key', async () => {
    const { keyId } = freshKey();
    const rejectedBefore = fake.rejectedRequests;
    const error = await failure(
      wrapperFor(keyId, { privateKey: rsaKeyPair().privateKey }).wrap(randomBytes(32)),
    );
    expect(statusOf(error)).toBe(401);
    expect(error.message).toContain('401');
    expect(fake.rejectedRequests).toBe(rejectedBefore + 1);
  });

  it('throws KeyWrapError for a tampered wrapped key', async () => {
    const { keyId } = freshKey();
    const wrapper = wrapperFor(keyId);
    const wrapped = await wrapper.wrap(randomBytes(32));
    for (const index of [0, 3, wrapped.length - 40, wrapped.length - 20, wrapped.length - 1]) {
      const tampered = Buffer.from(wrapped);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      const error = await failure(wrapper.unwrap(tampered));
      expect(statusOf(error), `byte ${index}`).toBe(400);
    }
  });

  it('cannot unwrap a key wrapped under another master key', async () => {
    const wrapped = await wrapperFor(freshKey().keyId).wrap(randomBytes(32));
    expect(statusOf(await failure(wrapperFor(freshKey().keyId).unwrap(wrapped)))).toBe(400);
    expect(statusOf(await failure(wrapperFor('ocid1.key.oc1.phx.unknown').wrap(randomBytes(32))))).toBe(404);
  });
});

import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { KeyWrapError } from '#shared/crypto/key-wrapper.ts';
import { createLocalKeyWrapper } from '#shared/crypto/local-key-wrapper.ts';

describe('createLocalKeyWrapper', () => {
  const masterKey = randomBytes(32);

  it('wraps a data key into version || iv || tag || ciphertext and unwraps it', async () => {
    const wrapper = createLocalKeyWrapper(masterKey);
    const dataKey = randomBytes(32);
    const wrapped = await wrapper.wrap(dataKey);
    expect(wrapped).toHaveLength(1 + 12 + 16 + 32);
    expect(wrapped[0]).toBe(1);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(await wrapper.unwrap(wrapped)).toEqual(dataKey);
  });

  it('uses a fresh IV for every wrap', async () => {
    const wrapper = createLocalKeyWrapper(masterKey);
    const dataKey = randomBytes(32);
    const [first, second] = await Promise.all([wrapper.wrap(dataKey), wrapper.wrap(dataKey)]);
    expect(first?.subarray(1, 13)).not.toEqual(second?.subarray(1, 13));
    expect(first).not.toEqual(second);
  });

  it('refuses a wrapped key with any single byte changed', async () => {
    const wrapper = createLocalKeyWrapper(masterKey);
    const wrapped = await wrapper.wrap(randomBytes(32));
    for (let index = 0; index < wrapped.length; index += 1) {
      const tampered = Buffer.from(wrapped);
      tampered[index] = (tampered[index] ?? 0) ^ 0x01;
      await expect(wrapper.unwrap(tampered), `byte ${index}`).rejects.toBeInstanceOf(KeyWrapError);
    }
  });

  it('refuses truncated or extended wrapped keys', async () => {
    const wrapper = createLocalKeyWrapper(masterKey);
    const wrapped = await wrapper.wrap(randomBytes(32));
    await expect(wrapper.unwrap(wrapped.subarray(0, wrapped.length - 1))).rejects.toBeInstanceOf(
      KeyWrapError,
    );
    await expect(wrapper.unwrap(Buffer.concat([wrapped, Buffer.of(0)]))).rejects.toBeInstanceOf(KeyWrapError);
  });

  it('refuses to unwrap under a different master key, keeping the cause', async () => {
    const wrapped = await createLocalKeyWrapper(masterKey).wrap(randomBytes(32));
    const error = await createLocalKeyWrapper(randomBytes(32))
      .unwrap(wrapped)
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(KeyWrapError);
    expect((error as KeyWrapError).cause).toBeInstanceOf(Error);
  });

  it('derives a stable keyRef from the master key', () => {
    const keyRef = createLocalKeyWrapper(masterKey).keyRef;
    expect(keyRef).toMatch(/^local:[0-9a-f]{8}$/);
    expect(createLocalKeyWrapper(Buffer.from(masterKey)).keyRef).toBe(keyRef);
    expect(createLocalKeyWrapper(randomBytes(32)).keyRef).not.toBe(keyRef);
  });

  it('rejects master and data keys of the wrong size', async () => {
    expect(() => createLocalKeyWrapper(randomBytes(16))).toThrow(KeyWrapError);
    await expect(createLocalKeyWrapper(masterKey).wrap(randomBytes(31))).rejects.toBeInstanceOf(KeyWrapError);
  });
});

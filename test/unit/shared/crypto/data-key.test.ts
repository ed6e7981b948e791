import { randomBytes, randomInt } from 'node:crypto';
import { Readable, type Transform } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  createDesignCipher,
  createDesignDecipher,
  DesignCryptoError,
  newDataKey,
} from '#shared/crypto/data-key.ts';

/** Feeds `input` through `transform` in random-sized chunks and collects the output. */
async function pipeInChunks(input: Buffer, transform: Transform): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for (let offset = 0; offset < input.length; ) {
    const size = Math.min(randomInt(1, 256 * 1024), input.length - offset);
    chunks.push(input.subarray(offset, offset + size));
    offset += size;
  }
  const output: Buffer[] = [];
  for await (const chunk of Readable.from(chunks).pipe(transform)) output.push(chunk as Buffer);
  return Buffer.concat(output);
}

async function encrypt(plaintext: Buffer, dataKey: Buffer, aad?: Buffer) {
  const design = createDesignCipher(dataKey, aad);
  const ciphertext = await pipeInChunks(plaintext, design.cipher);
  return { iv: design.iv, tag: design.authTag(), ciphertext };
}

describe('design data keys and streams', () => {
  const plaintext = randomBytes(5 * 1024 * 1024 + 123);

  it('makes 32-byte random data keys', () => {
    const first = newDataKey();
    expect(first).toHaveLength(32);
    expect(newDataKey()).not.toEqual(first);
  });

  it('round-trips several MB streamed in random chunk sizes, ciphertext as long as plaintext', async () => {
    const dataKey = newDataKey();
    const aad = Buffer.from('designs/abc/model.stl');
    const { iv, tag, ciphertext } = await encrypt(plaintext, dataKey, aad);
    expect(iv).toHaveLength(12);
    expect(tag).toHaveLength(16);
    expect(ciphertext.length).toBe(plaintext.length);
    expect(ciphertext.subarray(0, 64)).not.toEqual(plaintext.subarray(0, 64));
    const decrypted = await pipeInChunks(ciphertext, createDesignDecipher(dataKey, iv, tag, aad));
    expect(decrypted.equals(plaintext)).toBe(true);
  });

  it('handles an empty design', async () => {
    const dataKey = newDataKey();
    const { iv, tag, ciphertext } = await encrypt(Buffer.alloc(0), dataKey);
    expect(ciphertext).toHaveLength(0);
    expect(await pipeInChunks(ciphertext, createDesignDecipher(dataKey, iv, tag))).toHaveLength(0);
  });

  it('uses a unique IV per cipher', () => {
    const dataKey = newDataKey();
    const ivs = new Set(Array.from({ length: 1000 }, () => createDesignCipher(dataKey).iv.toString('hex')));
    expect(ivs.size).toBe(1000);
  });

  it('fails with DesignCryptoError on a tampered ciphertext, tag, IV, AAD or key', async () => {
    const dataKey = newDataKey();
    const aad = Buffer.from('designs/abc/model.stl');
    const { iv, tag, ciphertext } = await encrypt(plaintext.subarray(0, 300_000), dataKey, aad);
    const flipped = (buffer: Buffer, index: number) => {
      const copy = Buffer.from(buffer);
      copy[index] = (copy[index] ?? 0) ^ 0x80;
      return copy;
    };
    const attempts = [
      () =>
        pipeInChunks(
          flipped(ciphertext, randomInt(ciphertext.length)),
          createDesignDecipher(dataKey, iv, tag, aad),
        ),
      () => pipeInChunks(ciphertext, createDesignDecipher(dataKey, iv, flipped(tag, randomInt(16)), aad)),
      () => pipeInChunks(ciphertext, createDesignDecipher(dataKey, flipped(iv, 0), tag, aad)),
      () =>
        pipeInChunks(
          ciphertext,
          createDesignDecipher(dataKey, iv, tag, Buffer.from('designs/xyz/model.stl')),
        ),
      () => pipeInChunks(ciphertext, createDesignDecipher(dataKey, iv, tag)),
      () => pipeInChunks(ciphertext, createDesignDecipher(newDataKey(), iv, tag, aad)),
      () => pipeInChunks(ciphertext.subarray(0, -1), createDesignDecipher(dataKey, iv, tag, aad)),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toBeInstanceOf(DesignCryptoError);
  });

  it('refuses truncated tags, wrong-size keys and an auth tag read before the stream ends', () => {
    const dataKey = newDataKey();
    expect(() => createDesignDecipher(dataKey, randomBytes(12), randomBytes(12))).toThrow(DesignCryptoError);
    expect(() => createDesignDecipher(dataKey, randomBytes(16), randomBytes(16))).toThrow(DesignCryptoError);
    expect(() => createDesignCipher(randomBytes(16))).toThrow(DesignCryptoError);
    expect(() => createDesignCipher(dataKey).authTag()).toThrow(DesignCryptoError);
  });
});

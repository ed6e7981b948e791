import { describe, expect, it } from 'vitest';
import { lazyOnce } from '#shared/base/lazy.ts';

describe('Function: lazyOnce', () => {
  it('creates once and shares the result with concurrent and later callers', async () => {
    let created = 0;
    const get = lazyOnce(async () => {
      created += 1;
      return { n: created };
    });
    const [a, b] = await Promise.all([get(), get()]);
    expect(a).toBe(b);
    expect(await get()).toBe(a);
    expect(created).toBe(1);
  });

  it('forgets a failure, so the next call tries again', async () => {
    let attempts = 0;
    const get = lazyOnce(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('no resource principal yet');
      return 'ready';
    });
    await expect(get()).rejects.toThrow('no resource principal yet');
    expect(await get()).toBe('ready');
    expect(attempts).toBe(2);
  });
});

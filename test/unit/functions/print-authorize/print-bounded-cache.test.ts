import { describe, expect, it } from 'vitest';
import { BoundedCache } from '#functions/print-authorize/bounded-cache.ts';

describe('Class: BoundedCache', () => {
  it('drops the least recently used entry past its size bound', () => {
    // Prepare
    const cache = new BoundedCache<string, number>({ maxEntries: 2, ttlMs: 60_000 });
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    cache.get('a', 1);

    // Act
    cache.set('c', 3, 2);

    // Assess
    expect(cache.size).toBe(2);
    expect(cache.get('b', 3)).toBeUndefined();
    expect(cache.get('a', 3)).toBe(1);
    expect(cache.get('c', 3)).toBe(3);
  });

  it('forgets an entry once its age bound has passed', () => {
    // Prepare
    const cache = new BoundedCache<string, number>({ maxEntries: 10, ttlMs: 1_000 });
    cache.set('a', 1, 0);

    // Act + Assess
    expect(cache.get('a', 999)).toBe(1);
    expect(cache.get('a', 1_000)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('shares one load between concurrent misses and keeps its value', async () => {
    // Prepare
    const cache = new BoundedCache<string, string>({ maxEntries: 10, ttlMs: 60_000 });
    let loads = 0;
    const load = async () => {
      loads += 1;
      await Promise.resolve();
      return 'value';
    };

    // Act
    const values = await Promise.all([cache.getOrLoad('k', load), cache.getOrLoad('k', load)]);
    const later = await cache.getOrLoad('k', load);

    // Assess
    expect(values).toEqual(['value', 'value']);
    expect(later).toBe('value');
    expect(loads).toBe(1);
  });

  it('does not keep a failed load: the next call tries again', async () => {
    // Prepare
    const cache = new BoundedCache<string, string>({ maxEntries: 10, ttlMs: 60_000 });
    let calls = 0;
    const flaky = async () => {
      calls += 1;
      if (calls === 1) throw new Error('KMS unavailable');
      return 'key';
    };

    // Act
    const first = cache.getOrLoad('k', flaky);
    await expect(first).rejects.toThrow('KMS unavailable');
    const second = await cache.getOrLoad('k', flaky);

    // Assess
    expect(second).toBe('key');
    expect(calls).toBe(2);
  });

  it('makes a missing value once with getOrLoadSync and keeps it until it is too old', () => {
    // Prepare
    const cache = new BoundedCache<string, number>({ maxEntries: 10, ttlMs: 60_000 });
    let calls = 0;
    const make = () => {
      calls += 1;
      return calls;
    };

    // Act
    const first = cache.getOrLoadSync('k', make);
    const second = cache.getOrLoadSync('k', make);
    cache.set('k', first, Date.now() - 61_000);
    const third = cache.getOrLoadSync('k', make);

    // Assess
    expect([first, second, third]).toEqual([1, 1, 2]);
  });

  it('refuses a size bound that is not a positive integer', () => {
    // Act + Assess
    expect(() => new BoundedCache({ maxEntries: 0, ttlMs: 1 })).toThrow(RangeError);
  });
});

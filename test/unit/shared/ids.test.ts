import { describe, expect, it } from 'vitest';
import { ID_PATTERN, idFromBytes16, idToBytes16, newId } from '#shared/ids.ts';

describe('Function: newId', () => {
  it('orders ids made in the same millisecond in the order they were made', () => {
    // Arrange + Act: a thousand ids of one millisecond
    const at = Date.UTC(2026, 11, 7, 18, 0, 0);
    const ids = Array.from({ length: 1000 }, () => newId(at));

    // Assess
    for (const id of ids) expect(id).toMatch(ID_PATTERN);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('orders by time first, and starts a new millisecond from fresh random bits', () => {
    // Act
    const earlier = newId(Date.UTC(2026, 11, 7, 18, 0, 0, 1));
    const later = newId(Date.UTC(2026, 11, 7, 18, 0, 0, 2));
    const another = newId(Date.UTC(2026, 11, 7, 18, 0, 0, 3));

    // Assess
    expect(earlier < later && later < another).toBe(true);
    expect(later.slice(0, 10)).not.toBe(earlier.slice(0, 10));
    expect(later.slice(10)).not.toBe(another.slice(10));
  });
});

describe('Functions: idToBytes16 and idFromBytes16', () => {
  it('turn an id into the bytes16 the ledger carries and back', () => {
    const id = newId();
    const bytes16 = idToBytes16(id);
    expect(bytes16).toMatch(/^0x[0-9a-f]{32}$/);
    expect(idFromBytes16(bytes16)).toBe(id);
    expect(idToBytes16('00000000000000000000000001')).toBe(`0x${'0'.repeat(31)}1`);
    expect(idFromBytes16(`0x${'f'.repeat(32)}`)).toBe('7ZZZZZZZZZZZZZZZZZZZZZZZZZ');
  });

  it('refuse what is not an id or not 16 bytes of hex', () => {
    expect(() => idToBytes16('not-an-id')).toThrow(/not a ULID/);
    expect(() => idFromBytes16('0x1234')).toThrow(/not 16 bytes/);
  });
});

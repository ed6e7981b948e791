import { describe, expect, it } from 'vitest';
import { restartAfterExit } from '../../../../infra/local/child-processes.ts';

describe('Function: restartAfterExit (the local pools’ restart policy)', () => {
  it('doubles the wait for each quick exit in a row, up to 30 s', () => {
    // Act
    const waits: number[] = [];
    let quickExits = 0;
    for (let exit = 0; exit < 8; exit += 1) {
      const next = restartAfterExit(500, quickExits, 1000);
      quickExits = next.quickExits;
      waits.push(next.delayMs);
    }

    // Assess
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts the count again after a process that ran a minute, and takes 1 s as the default base', () => {
    expect(restartAfterExit(60_000, 5)).toEqual({ quickExits: 1, delayMs: 1000 });
    expect(restartAfterExit(59_999, 1, 250)).toEqual({ quickExits: 2, delayMs: 500 });
  });
});

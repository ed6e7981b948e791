import { describe, expect, it } from 'vitest';
import { nudgeSettlement } from '#functions/print-authorize/settlement-nudge.ts';
import type { WorkQueue } from '#shared/queue/work-queue.ts';

function queue(put: WorkQueue['put']): WorkQueue {
  const unused = async () => {
    throw new Error('not used');
  };
  return {
    name: 'settlement',
    put,
    receive: unused,
    delete: unused,
    extendVisibility: unused,
    deadLetters: unused,
    stats: unused,
  };
}

describe('Function: nudgeSettlement', () => {
  it('puts {"jobId": …} on the queue', async () => {
    // Prepare
    const sent: string[] = [];
    const settlement = queue(async (contents) => {
      sent.push(...contents);
      return ['1'];
    });

    // Act
    const nudged = await nudgeSettlement(settlement, '01J0000000000000000000000A');

    // Assess
    expect(nudged).toBe(true);
    expect(sent.map((content) => JSON.parse(content))).toEqual([{ jobId: '01J0000000000000000000000A' }]);
  });

  it('carries on when the queue is down: the settler sweep finds the job anyway', async () => {
    // Prepare
    const settlement = queue(async () => {
      throw new Error('queue unavailable');
    });

    // Act
    const nudged = await nudgeSettlement(settlement, '01J0000000000000000000000A');

    // Assess
    expect(nudged).toBe(false);
  });
});

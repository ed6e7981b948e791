import { describe, expect, it } from 'vitest';
import { consoleLine } from '../../../../infra/local/console-log.ts';

const idleIndexerTick = {
  level: 'info',
  msg: 'event handled',
  fn: 'chain-indexer',
  outcome: {
    status: 'processed',
    detail: {
      busy: false,
      head: 54,
      upkeep: { rebroadcast: 0, mined: 0, failures: 0 },
      indexed: [{ address: '0xe7f1', nextBlock: 54, events: 0, applied: 0, caughtUp: true }],
      reconciliation: { ran: true, id: 3, licensesChecked: 0, driftCount: 0 },
    },
  },
  ms: 60,
};

describe('Function: consoleLine', () => {
  describe('at the default level', () => {
    it('leaves out a scheduled tick that changed nothing', () => {
      expect(consoleLine('fn:chain-indexer', JSON.stringify(idleIndexerTick), false)).toBeUndefined();
      expect(
        consoleLine(
          'fn:edge-revocations',
          {
            msg: 'event handled',
            outcome: { status: 'processed', detail: { passes: 1, pushed: 0, removed: 0 } },
          },
          false,
        ),
      ).toBeUndefined();
    });

    it('leaves out an event the function ignored (GA4 not configured, a tick for another function)', () => {
      const ignored = (reason: string) => ({ msg: 'event handled', outcome: { status: 'ignored', reason } });
      expect(consoleLine('fn:analytics-forward', ignored('GA4 is not configured'), false)).toBeUndefined();
      expect(consoleLine('fn:settler', ignored('a tick for chain-indexer'), false)).toBeUndefined();
      expect(consoleLine('fn:analytics-forward', ignored('GA4 is not configured'), true)?.text).toContain(
        'GA4 is not configured',
      );
    });

    it('leaves out a scaler evaluation that started and stopped nothing, shows one that did', () => {
      const evaluation = (started: string[]) => ({
        msg: 'event handled',
        outcome: {
          status: 'processed',
          detail: {
            desired: 1,
            visible: 0,
            inFlight: 0,
            members: { running: 1 },
            started,
            stopped: [],
            reason: 'steady',
          },
        },
      });

      expect(consoleLine('fn:transcoder-scaler', evaluation([]), false)).toBeUndefined();
      expect(consoleLine('fn:transcoder-scaler', evaluation(['transcoder-2']), false)).toBeDefined();
    });

    it('shows an event that did something', () => {
      // Prepare
      const settled = {
        msg: 'event handled',
        outcome: { status: 'processed', detail: { settledPrints: 3, txHash: '0xab', licenses: 1 } },
      };
      const registered = { msg: 'event handled', outcome: { status: 'registered', designId: 'd1' } };

      // Act / Assess
      expect(consoleLine('fn:settler', settled, false)?.text).toContain('"settledPrints":3');
      expect(consoleLine('fn:ip-upload', registered, false)?.text).toMatch(/^\[fn:ip-upload\] event handled/);
    });

    it('leaves out requests answered below 400 and shows failed ones on stderr', () => {
      const request = { level: 'info', msg: 'request', method: 'GET', path: '/v1/health', outcome: 'ok' };

      expect(consoleLine('gateway', { ...request, status: 200 }, false)).toBeUndefined();
      expect(consoleLine('gateway', { ...request, status: 404 }, false)?.text).toContain('"status":404');
      expect(consoleLine('gateway', { ...request, outcome: 'crashed', status: 502 }, false)).toBeDefined();
      expect(consoleLine('cloud', { level: 'error', msg: 'MariaDB exited unexpectedly' }, false)).toEqual({
        text: '[cloud] ERROR MariaDB exited unexpectedly',
        stream: 'stderr',
      });
    });

    it('keeps a line that is not JSON as it is', () => {
      expect(consoleLine('transcoder-1', 'plain words', false)?.text).toBe('[transcoder-1] plain words');
    });
  });

  describe('verbose (LOG_LEVEL=debug)', () => {
    it('shows everything', () => {
      expect(consoleLine('fn:chain-indexer', idleIndexerTick, true)).toBeDefined();
      expect(consoleLine('gateway', { msg: 'request', outcome: 'ok', status: 200 }, true)).toBeDefined();
      expect(consoleLine('chain', 'block mined', true)).toBeDefined();
    });
  });
});

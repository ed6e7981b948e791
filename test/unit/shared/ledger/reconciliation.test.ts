import { describe, expect, it } from 'vitest';
import {
  findDrift,
  type OffChainLicense,
  type OnChainLicense,
  type ReconciliationInput,
} from '#shared/ledger/reconciliation.ts';

const NOW = new Date('2026-11-23T12:00:00.000Z');
const HOLDER = '0x1111111111111111111111111111111111111111';
const TOKEN = `0x${'ab'.repeat(32)}`;
const EXPIRES = 1_900_000_000;

const secondsAgo = (seconds: number) => new Date(NOW.getTime() - seconds * 1000);

function offChain(overrides: Partial<OffChainLicense> = {}): OffChainLicense {
  return {
    id: '01JDXAMPLE0000000000000000',
    tokenId: TOKEN,
    holder: HOLDER,
    printsTotal: 10,
    expiresAt: EXPIRES,
    printsSettled: 4,
    revokedAt: null,
    settlementInFlight: false,
    unsettled: { count: 0, oldestCompletedAt: null },
    vouchersWithoutJob: 0,
    ...overrides,
  };
}

function onChain(overrides: Partial<OnChainLicense> = {}): OnChainLicense {
  return {
    exists: true,
    holder: HOLDER.toUpperCase().replace('0X', '0x'),
    printsTotal: 10,
    printsUsed: 4,
    expiresAt: EXPIRES,
    revoked: false,
    ...overrides,
  };
}

function input(
  pairs: Array<[OffChainLicense, OnChainLicense]>,
  extra: Partial<ReconciliationInput> = {},
): ReconciliationInput {
  return {
    now: NOW,
    revocationGraceSeconds: 120,
    unsettledAfterSeconds: 600,
    licenses: pairs.map(([off, on]) => ({ offChain: off, onChain: on })),
    unclaimedIssues: [],
    ...extra,
  };
}

const kinds = (reconciliation: ReconciliationInput) => findDrift(reconciliation).map((item) => item.kind);

describe('Function: findDrift', () => {
  it('reports nothing when both ledgers agree (holder compared without case)', () => {
    // Act
    const drift = findDrift(input([[offChain(), onChain()]]));

    // Assess
    expect(drift).toEqual([]);
  });

  it('reports prints settled off chain that differ from the chain, with both counts', () => {
    // Act
    const drift = findDrift(input([[offChain({ printsSettled: 6 }), onChain({ printsUsed: 4 })]]));

    // Assess
    expect(drift).toEqual([
      {
        kind: 'prints-settled-mismatch',
        licenseId: '01JDXAMPLE0000000000000000',
        tokenId: TOKEN,
        offChain: { printsSettled: 6, vouchersWithoutJob: 0 },
        onChain: { printsUsed: 4 },
      },
    ]);
  });

  it('counts vouchers redeemed without a job row as prints the chain holds on its own', () => {
    // Act / Assess
    expect(kinds(input([[offChain({ vouchersWithoutJob: 2 }), onChain({ printsUsed: 6 })]]))).toEqual([]);
    expect(kinds(input([[offChain({ vouchersWithoutJob: 1 }), onChain({ printsUsed: 6 })]]))).toEqual([
      'prints-settled-mismatch',
    ]);
  });

  it('does not compare counts while a settlement of the license is in flight', () => {
    // Act
    const drift = kinds(input([[offChain({ settlementInFlight: true }), onChain({ printsUsed: 9 })]]));

    // Assess
    expect(drift).toEqual([]);
  });

  it('reports a revocation only the chain knows at once', () => {
    // Act
    const drift = findDrift(input([[offChain(), onChain({ revoked: true })]]));

    // Assess
    expect(drift.map((item) => [item.kind, item.offChain, item.onChain])).toEqual([
      ['revoked-only-on-chain', { revoked: false }, { revoked: true }],
    ]);
  });

  it('gives an off-chain revocation its grace period before reporting it missing on chain', () => {
    // Act
    const recent = kinds(input([[offChain({ revokedAt: secondsAgo(60) }), onChain()]]));
    const overdue = kinds(input([[offChain({ revokedAt: secondsAgo(121) }), onChain()]]));
    const landed = kinds(input([[offChain({ revokedAt: secondsAgo(500) }), onChain({ revoked: true })]]));

    // Assess
    expect(recent).toEqual([]);
    expect(overdue).toEqual(['revocation-not-on-chain']);
    expect(landed).toEqual([]);
  });

  it('reports an active license the chain does not know, and nothing else about it', () => {
    // Act
    const drift = findDrift(
      input([[offChain({ printsSettled: 3 }), onChain({ exists: false, printsUsed: 0, printsTotal: 0 })]]),
    );

    // Assess
    expect(drift.map((item) => item.kind)).toEqual(['missing-on-chain']);
    expect(drift[0]?.onChain).toEqual({ exists: false });
  });

  it('reports differing terms with both sides', () => {
    // Act
    const drift = findDrift(input([[offChain(), onChain({ printsTotal: 12, expiresAt: EXPIRES + 1 })]]));

    // Assess
    expect(drift).toHaveLength(1);
    expect(drift[0]).toMatchObject({
      kind: 'terms-mismatch',
      offChain: { printsTotal: 10, expiresAt: EXPIRES, holder: HOLDER },
      onChain: { printsTotal: 12, expiresAt: EXPIRES + 1, holder: HOLDER },
    });
    expect(kinds(input([[offChain(), onChain({ holder: `0x${'22'.repeat(20)}` })]]))).toEqual([
      'terms-mismatch',
    ]);
  });

  it('reports counted prints unsettled past the threshold, not before', () => {
    // Prepare
    const waiting = (seconds: number) =>
      offChain({ unsettled: { count: 3, oldestCompletedAt: secondsAgo(seconds) } });

    // Act
    const fresh = kinds(input([[waiting(600), onChain()]]));
    const stale = findDrift(input([[waiting(601), onChain()]]));

    // Assess
    expect(fresh).toEqual([]);
    expect(stale.map((item) => item.kind)).toEqual(['prints-unsettled']);
    expect(stale[0]?.offChain).toEqual({
      unsettledPrints: 3,
      oldestCompletedAt: secondsAgo(601).toISOString(),
      waitedSeconds: 601,
    });
  });

  it('reports licenses issued on chain that no row claims', () => {
    // Act
    const drift = findDrift(
      input([], {
        unclaimedIssues: [
          {
            tokenId: TOKEN,
            licenseRef: `0x${'01'.repeat(16)}`,
            blockNumber: 7,
            txHash: `0x${'cd'.repeat(32)}`,
          },
        ],
      }),
    );

    // Assess
    expect(drift).toEqual([
      {
        kind: 'issued-without-license',
        licenseId: null,
        tokenId: TOKEN,
        offChain: null,
        onChain: { licenseRef: `0x${'01'.repeat(16)}`, blockNumber: 7, txHash: `0x${'cd'.repeat(32)}` },
      },
    ]);
  });

  it('reports every drift of one license together', () => {
    // Act
    const drift = kinds(
      input([
        [
          offChain({ printsSettled: 1, unsettled: { count: 1, oldestCompletedAt: secondsAgo(3600) } }),
          onChain({ printsUsed: 2, revoked: true }),
        ],
      ]),
    );

    // Assess
    expect(drift.sort()).toEqual(['prints-settled-mismatch', 'prints-unsettled', 'revoked-only-on-chain']);
  });
});

/**
 * What a confirmed LicenseLedger event means for the off-chain ledger. Each effect runs in the
 * transaction that records the event and advances the cursor, and each is idempotent against the
 * API, the settler and the relayer keeper doing the same thing first.
 */
import type { LicenseLedgerEvent } from '../chain/license-ledger.ts';
import type { DbConnection } from '../db/pool.ts';
import { idFromBytes16, idToBytes16 } from '../ids.ts';
import {
  licenseIdOfToken,
  lockLicenseStatus,
  markLicenseActive,
  markLicenseRevoked,
  recordLicenseToken,
} from '../licenses/license-repository.ts';
import { recordSettledPrints } from '../licenses/settlement-repository.ts';

export interface EventContext {
  readonly txHash: string;
  readonly blockNumber: number;
  readonly chainId: number;
  readonly ledgerAddress: string;
}

/** Returns whether the event changed anything off chain. */
export async function applyLedgerEvent(
  connection: DbConnection,
  event: LicenseLedgerEvent,
  context: EventContext,
): Promise<boolean> {
  switch (event.name) {
    case 'LicenseIssued':
      return adoptIssuedLicense(connection, event.args, context);
    case 'LicenseRevoked':
      return revokeOffChain(connection, event.args.tokenId);
    case 'PrintsSettled': {
      const jobIds = event.args.jobIds.map(idFromBytes16);
      const settled = await recordSettledPrints(connection, jobIds, {
        txHash: context.txHash,
        settlementId: null,
        source: 'indexer',
      });
      return settled.length > 0;
    }
    case 'VoucherRedeemed': {
      // The ledger counted this job's print: it must never be settled a second time.
      const settled = await recordSettledPrints(connection, [idFromBytes16(event.args.jobId)], {
        txHash: context.txHash,
        settlementId: null,
        source: 'indexer',
      });
      return settled.length > 0;
    }
  }
}

/**
 * A mint whose receipt nobody saw (the API gave up waiting, the keeper had not come round):
 * the license it names becomes active, as advanceMint would have made it.
 */
async function adoptIssuedLicense(
  connection: DbConnection,
  issued: Extract<LicenseLedgerEvent, { name: 'LicenseIssued' }>['args'],
  context: EventContext,
): Promise<boolean> {
  const licenseId = idFromBytes16(issued.licenseRef);
  const license = await lockLicenseStatus(connection, licenseId);
  if (license?.status !== 'pending') return false;
  if (idToBytes16(license.designId) !== issued.designId.toLowerCase()) return false;

  await recordLicenseToken(connection, licenseId, {
    chainId: context.chainId,
    ledgerAddress: context.ledgerAddress,
    tokenId: issued.tokenId,
  });
  return markLicenseActive(
    connection,
    { id: licenseId, designId: license.designId, holderOrgId: license.holderOrgId },
    { tokenId: issued.tokenId, txHash: context.txHash, blockNumber: context.blockNumber },
  );
}

/** Revoked on chain (by us, or by an administrator directly): authorization must stop too. */
async function revokeOffChain(connection: DbConnection, tokenId: string): Promise<boolean> {
  const licenseId = await licenseIdOfToken(connection, tokenId);
  if (licenseId === undefined) return false;
  const reason = 'revoked on chain';
  return markLicenseRevoked(connection, { id: licenseId, tokenId }, reason);
}

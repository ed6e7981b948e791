import type { JsonRpcProvider } from 'ethers';
import {
  type LicenseLedger,
  PRINTS_SETTLED_TOPIC,
  VOUCHER_REDEEMED_TOPIC,
} from '#shared/chain/license-ledger.ts';
import { idFromBytes16 } from '#shared/ids.ts';
import { MAX_LOG_RANGE_BLOCKS, readHead, readLogs } from '#shared/ledger/chain-reads.ts';

/**
 * Every print job the ledger has counted for a license, settled in a batch or redeemed as a
 * voucher, read from its events (the contract keeps no list of settled job ids). This is what
 * decides whether a job may go into a settlement: a job already counted on chain must be adopted,
 * never sent again, or the license would be charged twice.
 */
export async function jobsCountedOnChain(
  provider: JsonRpcProvider,
  ledger: LicenseLedger,
  license: { tokenId: string; mintBlock: number | null },
): Promise<Set<string>> {
  const counted = new Set<string>();
  const head = await readHead(provider);
  for (let from = license.mintBlock ?? 0; from <= head; from += MAX_LOG_RANGE_BLOCKS) {
    const logs = await readLogs(provider, {
      address: ledger.address,
      fromBlock: from,
      toBlock: Math.min(from + MAX_LOG_RANGE_BLOCKS - 1, head),
      topics: [[PRINTS_SETTLED_TOPIC, VOUCHER_REDEEMED_TOPIC], license.tokenId],
    });
    for (const log of logs) {
      const event = ledger.decodeLog(log);
      if (event?.name === 'PrintsSettled')
        for (const jobId of event.args.jobIds) counted.add(idFromBytes16(jobId));
      if (event?.name === 'VoucherRedeemed') counted.add(idFromBytes16(event.args.jobId));
    }
  }
  return counted;
}

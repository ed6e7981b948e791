/**
 * The contracts the indexer follows, each turning its own logs into rows for `chain_events`:
 * the event name, the token id it concerns, and JSON-safe arguments in which the ledger's bytes16
 * ids also appear as platform ids (`platformIds`), so SQL can join them to our tables.
 */
import type { Log } from 'ethers';
import { DESIGN_REGISTRY_ABI } from '../chain/design-registry.ts';
import type { LicenseLedger, LicenseLedgerEvent } from '../chain/license-ledger.ts';
import { idFromBytes16 } from '../ids.ts';

export interface DecodedEvent {
  readonly name: string;
  readonly tokenId: string | null;
  readonly args: Record<string, unknown>;
  /** Set for LicenseLedger events: they change the off-chain ledger (event-effects.ts). */
  readonly ledgerEvent?: LicenseLedgerEvent;
}

export interface EventSource {
  readonly address: string;
  /** Where a new cursor for this contract starts (its deployment block, or 0). */
  readonly startBlock: number;
  decode(log: Log): DecodedEvent | undefined;
}

export function licenseLedgerSource(ledger: LicenseLedger, startBlock: number): EventSource {
  return {
    address: ledger.address,
    startBlock,
    decode(log) {
      const event = ledger.decodeLog(log);
      if (event === undefined) return undefined;
      return { name: event.name, tokenId: event.args.tokenId, args: ledgerArgs(event), ledgerEvent: event };
    },
  };
}

function ledgerArgs(event: LicenseLedgerEvent): Record<string, unknown> {
  switch (event.name) {
    case 'LicenseIssued':
      return {
        ...event.args,
        expiresAt: unixSeconds(event.args.expiresAt),
        platformIds: {
          licenseId: idFromBytes16(event.args.licenseRef),
          designId: idFromBytes16(event.args.designId),
        },
      };
    case 'LicenseRevoked':
      return { ...event.args };
    case 'PrintsSettled':
      return { ...event.args, platformIds: { jobIds: event.args.jobIds.map(idFromBytes16) } };
    case 'VoucherRedeemed':
      return {
        ...event.args,
        platformIds: {
          jobId: idFromBytes16(event.args.jobId),
          printerId: idFromBytes16(event.args.printerId),
        },
      };
  }
}

/** DesignRegistry's registrations, recorded for the audit trail (ip-upload already acts on them). */
export async function designRegistrySource(address: string, startBlock: number): Promise<EventSource> {
  const { Interface, getAddress } = await import('ethers');
  const registry = new Interface(DESIGN_REGISTRY_ABI);
  return {
    address: getAddress(address),
    startBlock,
    decode(log) {
      let parsed: ReturnType<typeof registry.parseLog>;
      try {
        parsed = registry.parseLog({ topics: [...log.topics], data: log.data });
      } catch {
        return undefined;
      }
      if (parsed?.name !== 'DesignRegistered') return undefined;
      const [fingerprint, designId, creator, timestamp] = parsed.args.toArray() as [
        string,
        string,
        string,
        bigint,
      ];
      return {
        name: parsed.name,
        tokenId: null,
        args: {
          fingerprint,
          designId,
          creator,
          timestamp: Number(timestamp),
          platformIds: { designId: idFromBytes16(designId) },
        },
      };
    },
  };
}

function unixSeconds(time: Date): number {
  return Math.floor(time.getTime() / 1000);
}

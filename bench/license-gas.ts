import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { type Contract, Wallet } from 'ethers';
import { deployContracts, loadArtifact } from '#shared/chain/contracts.ts';
import { type IssueTerms, LicenseLedger, type SettlementEntry } from '#shared/chain/license-ledger.ts';
import { signPrintVoucher } from '#shared/chain/print-voucher.ts';
import { ANY_PRINTER_ROOT, printerProof, printerRoot } from '#shared/chain/printer-set.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { idToBytes16, newId } from '#shared/ids.ts';
import { startLocalChain } from '../infra/local/chain.ts';
import { compileContracts } from '../scripts/compile-contracts.ts';
import { median, round } from './lib/stats.ts';

/**
 * Gas per receipt (totals including the 21,000 base) of LicenseLedger against OpenZeppelin's
 * ERC-1155 (bench/contracts/GasBaselineErc1155.sol, compiled and deployed only here). Gas is deterministic apart from
 * calldata, whose price depends on how many bytes of the random ids are zero, so each case reports
 * the median of SAMPLES transactions.
 */
const SAMPLES = Number(process.env.BENCH_GAS_SAMPLES ?? 5);
const SETTLED_PRINT_TARGET = 12_000;
const PRINTER_SET = [newId(), newId(), newId(), newId(), newId()];

interface Bench {
  readonly client: ChainClient;
  readonly chainId: number;
  readonly ledger: LicenseLedger;
  readonly erc1155: Contract;
  readonly erc1155Minter: Contract;
  readonly voucherSigner: Wallet;
}

interface Baselines {
  readonly mint: number;
  readonly burn: number;
}

async function gasOf(client: ChainClient, to: string, data: string): Promise<number> {
  const tx = await client.wallet.sendTransaction({ to, data });
  const receipt = await tx.wait();
  if (receipt?.status !== 1) throw new Error(`benchmark transaction ${tx.hash} failed`);
  return Number(receipt.gasUsed);
}

async function sampled(measure: () => Promise<number>): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < SAMPLES; i += 1) samples.push(await measure());
  return median(samples);
}

async function chainNow(client: ChainClient): Promise<number> {
  return (await client.provider.getBlock('latest'))?.timestamp ?? Math.floor(Date.now() / 1000);
}

function jobIds(count: number): string[] {
  return Array.from({ length: count }, () => idToBytes16(newId()));
}

async function licenseTerms(bench: Bench, printerRootHex: string): Promise<IssueTerms> {
  return {
    licenseRef: idToBytes16(newId()),
    designId: idToBytes16(newId()),
    holder: Wallet.createRandom().address,
    prints: 1000,
    expiresAt: (await chainNow(bench.client)) + 365 * 86_400,
    printerRoot: printerRootHex,
  };
}

async function issueGas(
  bench: Bench,
  printerRootHex: string,
): Promise<{ gasUsed: number; terms: IssueTerms }> {
  const terms = await licenseTerms(bench, printerRootHex);
  return { gasUsed: await gasOf(bench.client, bench.ledger.address, bench.ledger.encodeIssue(terms)), terms };
}

function tokenIdOf(bench: Bench, terms: IssueTerms): string {
  return bench.ledger.licenseIdOf(terms.licenseRef, terms.designId, terms.printerRoot);
}

async function settlementGas(bench: Bench, licenses: number, printsEach: number): Promise<number> {
  return sampled(async () => {
    const entries: SettlementEntry[] = [];
    for (let i = 0; i < licenses; i += 1) {
      const { terms } = await issueGas(bench, ANY_PRINTER_ROOT);
      entries.push({ tokenId: tokenIdOf(bench, terms), usedBefore: 0, jobIds: jobIds(printsEach) });
    }
    const [single] = entries;
    const data =
      entries.length === 1 && printsEach === 1 && single !== undefined
        ? bench.ledger.encodeSettle(single)
        : bench.ledger.encodeSettleBatch(entries);
    return gasOf(bench.client, bench.ledger.address, data);
  });
}

async function voucherGas(bench: Bench, printerSet: readonly string[]): Promise<number> {
  const printer = PRINTER_SET[2] as string;
  return sampled(async () => {
    const { terms } = await issueGas(bench, printerRoot(printerSet));
    const voucher = {
      tokenId: tokenIdOf(bench, terms),
      jobId: idToBytes16(newId()),
      printerId: idToBytes16(printer),
      notAfter: (await chainNow(bench.client)) + 86_400,
    };
    const signature = await signPrintVoucher(
      bench.voucherSigner,
      bench.ledger.address,
      bench.chainId,
      voucher,
    );
    const proof = printerSet.length > 0 ? printerProof(printerSet, printer) : [];
    const data = bench.ledger.encodeRedeemVoucher(voucher, terms, proof, signature);
    return gasOf(bench.client, bench.ledger.address, data);
  });
}

async function erc1155Gas(client: ChainClient, token: Contract, method: string, args: () => unknown[]) {
  const address = await token.getAddress();
  return sampled(() => gasOf(client, address, token.interface.encodeFunctionData(method, args())));
}

/**
 * The platform's contracts and the benchmark's baseline, compiled together into an artifact
 * directory of the benchmark's own: the baseline never joins the platform's artifacts/.
 */
const BENCH_ARTIFACTS = fileURLToPath(new URL('../artifacts/bench/', import.meta.url));

async function setUp(rpcUrl: string, deployerKey: string, chainId: number): Promise<Bench> {
  await compileContracts({ sourceDirs: ['contracts', 'bench/contracts'], artifactsDir: BENCH_ARTIFACTS });
  const client = await createChainClient({ rpcUrl, privateKey: deployerKey, chainId });
  const names = ['LicenseLedger', 'GasBaselineErc1155', 'GasBaselineErc1155Minter'];
  const addresses = await deployContracts(client, names, {
    constructorArgs: { LicenseLedger: [client.address] },
    artifactsDir: BENCH_ARTIFACTS,
  });
  const { Contract } = await import('ethers');
  const connected = async (name: string) =>
    new Contract(addresses[name] as string, (await loadArtifact(name, BENCH_ARTIFACTS)).abi, client.wallet);

  const ledgerAsAdmin = await connected('LicenseLedger');
  const voucherSigner = new Wallet(Wallet.createRandom().privateKey);
  for (const [role, account] of [
    ['MINTER_ROLE', client.address],
    ['SETTLER_ROLE', client.address],
    ['VOUCHER_SIGNER_ROLE', voucherSigner.address],
  ] as const) {
    const roleId = (await ledgerAsAdmin.getFunction(role)()) as string;
    await (await ledgerAsAdmin.getFunction('grantRole')(roleId, account)).wait();
  }
  return {
    client,
    chainId,
    ledger: await LicenseLedger.connect(client, addresses.LicenseLedger as string),
    erc1155: await connected('GasBaselineErc1155'),
    erc1155Minter: await connected('GasBaselineErc1155Minter'),
    voucherSigner,
  };
}

async function baselineRows(bench: Bench): Promise<{ baselines: Baselines; rows: Record<string, unknown> }> {
  const { client, erc1155 } = bench;
  // Every mint goes to a fresh holder, so each writes a fresh balance slot, as an issue does.
  const freshHolder = () => Wallet.createRandom().address;
  const longId = () => BigInt(`0x${randomBytes(32).toString('hex')}`);
  const mint = await erc1155Gas(client, erc1155, 'mint', () => [freshHolder(), 1n, 10n]);
  const mintLongId = await erc1155Gas(client, erc1155, 'mint', () => [freshHolder(), longId(), 10n]);
  const mintAsMinter = await erc1155Gas(client, bench.erc1155Minter, 'mint', () => [
    freshHolder(),
    longId(),
    10n,
  ]);
  // Burning one unit of a larger balance: the ERC-1155 way of consuming one print.
  await gasOf(
    client,
    await erc1155.getAddress(),
    erc1155.interface.encodeFunctionData('mint', [client.address, 7n, 1000n]),
  );
  const burn = await erc1155Gas(client, erc1155, 'burn', () => [client.address, 7n, 1n]);

  const row = (gasUsed: number) => ({
    gasUsed,
    perPrint: '',
    ratioToErc1155Mint: round(gasUsed / mint),
    ratioToErc1155Burn: round(gasUsed / burn),
    target: '',
    met: '',
  });
  return {
    baselines: { mint, burn },
    rows: {
      'ERC1155 _mint, id 1 [baseline]': row(mint),
      'ERC1155 _mint, 32-byte id': row(mintLongId),
      'ERC1155 _mint, 32-byte id, behind onlyRole': row(mintAsMinter),
      'ERC1155 _burn, 1 of a balance [baseline]': row(burn),
    },
  };
}

async function ledgerRows(bench: Bench, { mint, burn }: Baselines): Promise<Record<string, unknown>> {
  const issueRow = (gasUsed: number) => ({
    gasUsed,
    perPrint: '',
    // Four places: the target is a fraction of a percent below 1.
    ratioToErc1155Mint: round(gasUsed / mint, 4),
    ratioToErc1155Burn: '',
    target: `< ${mint} (ERC1155 _mint)`,
    met: gasUsed < mint ? 'met' : 'missed',
  });
  const printRow = (gasUsed: number, prints: number, batched: boolean) => {
    const perPrint = Math.round(gasUsed / prints);
    return {
      gasUsed,
      perPrint,
      ratioToErc1155Mint: round(gasUsed / mint),
      ratioToErc1155Burn: round(perPrint / burn),
      target: batched ? `<= ${SETTLED_PRINT_TARGET} per print` : '',
      met: batched ? (perPrint <= SETTLED_PRINT_TARGET ? 'met' : 'missed') : '',
    };
  };
  const issueAny = await sampled(async () => (await issueGas(bench, ANY_PRINTER_ROOT)).gasUsed);
  const issueWithSet = await sampled(async () => (await issueGas(bench, printerRoot(PRINTER_SET))).gasUsed);
  return {
    'issue, printerRoot 0': issueRow(issueAny),
    'issue, 5-printer root': issueRow(issueWithSet),
    'settle, 1 print': printRow(await settlementGas(bench, 1, 1), 1, false),
    'settleBatch, 1 license x 10 prints': printRow(await settlementGas(bench, 1, 10), 10, true),
    'settleBatch, 1 license x 50 prints': printRow(await settlementGas(bench, 1, 50), 50, true),
    'settleBatch, 10 licenses x 5 prints': printRow(await settlementGas(bench, 10, 5), 50, true),
    'redeemVoucher, printerRoot 0': printRow(await voucherGas(bench, []), 1, false),
    'redeemVoucher, 5-printer set': printRow(await voucherGas(bench, PRINTER_SET), 1, false),
  };
}

export async function benchLicenseGas(): Promise<Record<string, unknown>> {
  const chain = await startLocalChain();
  try {
    const bench = await setUp(chain.rpcUrl, chain.privateKeys.deployer, chain.chainId);
    try {
      const { baselines, rows } = await baselineRows(bench);
      return { ...rows, ...(await ledgerRows(bench, baselines)) };
    } finally {
      bench.client.close();
    }
  } finally {
    await chain.stop();
  }
}

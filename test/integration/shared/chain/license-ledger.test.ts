import { randomBytes } from 'node:crypto';
import {
  AbiCoder,
  type Contract,
  ErrorFragment,
  EventFragment,
  FunctionFragment,
  Interface,
  keccak256,
  type TransactionReceipt,
  Wallet,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployContracts, loadArtifact } from '#shared/chain/contracts.ts';
import {
  type IssueTerms,
  LICENSE_ISSUED_TOPIC,
  LICENSE_LEDGER_ABI,
  LICENSE_REVOKED_TOPIC,
  LicenseLedger,
  type LicenseLedgerRevert,
  PRINTS_SETTLED_TOPIC,
  revertDataOf,
  VOUCHER_REDEEMED_TOPIC,
} from '#shared/chain/license-ledger.ts';
import {
  type PrintVoucher,
  printVoucherDigest,
  signPrintVoucher,
  verifyPrintVoucher,
} from '#shared/chain/print-voucher.ts';
import { ANY_PRINTER_ROOT, printerProof, printerRoot } from '#shared/chain/printer-set.ts';
import { type ChainClient, createChainClient } from '#shared/chain/provider.ts';
import { idToBytes16, newId } from '#shared/ids.ts';
import { type LocalChain, startLocalChain } from '../../../../infra/local/chain.ts';
import { compileContracts } from '../../../../scripts/compile-contracts.ts';

const DEFAULT_ADMIN_ROLE = `0x${'00'.repeat(32)}`;
const ZERO_ADDRESS = `0x${'00'.repeat(20)}`;

function randomBytes16(): string {
  return `0x${randomBytes(16).toString('hex')}`;
}

function jobIds(count: number): string[] {
  return Array.from({ length: count }, () => idToBytes16(newId()));
}

describe('LicenseLedger on the local chain', () => {
  let chain: LocalChain;
  let admin: ChainClient;
  let relayer: ChainClient;
  /** Funded, but holds no role. */
  let stranger: Wallet;
  /** Holds VOUCHER_SIGNER_ROLE; never sends transactions. */
  let voucherSigner: Wallet;
  let ledger: LicenseLedger;
  let ledgerAsAdmin: Contract;
  let compiled: Interface;
  let roles: { minter: string; settler: string; voucherSigner: string };

  async function chainNow(): Promise<number> {
    const block = await relayer.provider.getBlock('latest');
    if (block === null) throw new Error('the chain has no latest block');
    return block.timestamp;
  }

  async function send(wallet: Wallet, data: string): Promise<TransactionReceipt> {
    const tx = await wallet.sendTransaction({ to: ledger.address, data });
    const receipt = await tx.wait();
    if (receipt === null) throw new Error('no receipt');
    return receipt;
  }

  /** Sends like the relayer (estimate first); returns the decoded revert the estimate produced. */
  async function rejection(wallet: Wallet, data: string): Promise<LicenseLedgerRevert | undefined> {
    const failure = await wallet.sendTransaction({ to: ledger.address, data }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure, 'the transaction should have been refused').toBeDefined();
    const revertData = revertDataOf(failure);
    expect(revertData, 'the refusal should carry revert data').toMatch(/^0x[0-9a-f]{8}/);
    return ledger.decodeRevert(revertData ?? '0x');
  }

  async function terms(overrides: Partial<IssueTerms> = {}): Promise<IssueTerms> {
    return {
      licenseRef: idToBytes16(newId()),
      designId: idToBytes16(newId()),
      holder: Wallet.createRandom().address,
      prints: 10,
      expiresAt: new Date(((await chainNow()) + 86_400) * 1000),
      printerRoot: ANY_PRINTER_ROOT,
      ...overrides,
    };
  }

  async function issue(overrides: Partial<IssueTerms> = {}): Promise<{ tokenId: string; terms: IssueTerms }> {
    const licenseTerms = await terms(overrides);
    await send(relayer.wallet, ledger.encodeIssue(licenseTerms));
    return {
      tokenId: ledger.licenseIdOf(licenseTerms.licenseRef, licenseTerms.designId, licenseTerms.printerRoot),
      terms: licenseTerms,
    };
  }

  beforeAll(async () => {
    chain = await startLocalChain();
    await compileContracts();
    admin = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.deployer,
      chainId: chain.chainId,
    });
    relayer = await createChainClient({
      rpcUrl: chain.rpcUrl,
      privateKey: chain.privateKeys.relayer,
      chainId: chain.chainId,
    });
    const { LicenseLedger: address } = await deployContracts(admin, ['LicenseLedger'], {
      constructorArgs: { LicenseLedger: [admin.address] },
    });
    if (address === undefined) throw new Error('LicenseLedger was not deployed');
    ledger = await LicenseLedger.connect(relayer, address);

    const { Contract } = await import('ethers');
    const artifact = await loadArtifact('LicenseLedger');
    compiled = new Interface(artifact.abi);
    ledgerAsAdmin = new Contract(address, artifact.abi, admin.wallet);
    roles = {
      minter: await ledgerAsAdmin.getFunction('MINTER_ROLE')(),
      settler: await ledgerAsAdmin.getFunction('SETTLER_ROLE')(),
      voucherSigner: await ledgerAsAdmin.getFunction('VOUCHER_SIGNER_ROLE')(),
    };

    stranger = new Wallet(Wallet.createRandom().privateKey, relayer.provider);
    await (await admin.wallet.sendTransaction({ to: stranger.address, value: 10n ** 18n })).wait();
    voucherSigner = new Wallet(Wallet.createRandom().privateKey);
    for (const [role, account] of [
      [roles.minter, relayer.address],
      [roles.settler, relayer.address],
      [roles.voucherSigner, voucherSigner.address],
    ] as const) {
      await (await ledgerAsAdmin.getFunction('grantRole')(role, account)).wait();
    }
  });

  afterAll(async () => {
    relayer?.close();
    admin?.close();
    await chain?.stop();
  });

  describe('the hand-written ABI', () => {
    it('declares every function, event and error exactly as compiled', () => {
      // Prepare
      const ours = new Interface(LICENSE_LEDGER_ABI);

      // Act & Assess
      for (const fragment of ours.fragments) {
        if (FunctionFragment.isFragment(fragment)) {
          const match = compiled.getFunction(fragment.format('sighash'));
          expect(match?.selector, fragment.format('sighash')).toBe(fragment.selector);
          expect(match?.stateMutability, fragment.name).toBe(fragment.stateMutability);
          expect(match?.outputs.map((o) => o.format('sighash'))).toEqual(
            fragment.outputs.map((o) => o.format('sighash')),
          );
        } else if (EventFragment.isFragment(fragment)) {
          const match = compiled.getEvent(fragment.format('sighash'));
          expect(match?.topicHash, fragment.name).toBe(fragment.topicHash);
          expect(match?.inputs.map((i) => [i.name, i.indexed === true])).toEqual(
            fragment.inputs.map((i) => [i.name, i.indexed === true]),
          );
        } else if (ErrorFragment.isFragment(fragment)) {
          const match = compiled.getError(fragment.format('sighash'));
          expect(match?.selector, fragment.name).toBe(fragment.selector);
          expect(match?.inputs.map((i) => i.name)).toEqual(fragment.inputs.map((i) => i.name));
        }
      }
      // Raised only by the EIP712 constructor and renounceRole, which the platform never calls.
      const notRaisedByThePlatform = ['InvalidShortString', 'StringTooLong', 'AccessControlBadConfirmation'];
      const ledgerErrors = compiled.fragments.filter(
        (f) => ErrorFragment.isFragment(f) && !notRaisedByThePlatform.includes(f.name),
      );
      for (const fragment of ledgerErrors) {
        expect(ours.getError(fragment.format('sighash')), fragment.format('sighash')).not.toBeNull();
      }
    });

    it('names the compiled event topics in the topic constants', () => {
      expect(compiled.getEvent('LicenseIssued')?.topicHash).toBe(LICENSE_ISSUED_TOPIC);
      expect(compiled.getEvent('LicenseRevoked')?.topicHash).toBe(LICENSE_REVOKED_TOPIC);
      expect(compiled.getEvent('PrintsSettled')?.topicHash).toBe(PRINTS_SETTLED_TOPIC);
      expect(compiled.getEvent('VoucherRedeemed')?.topicHash).toBe(VOUCHER_REDEEMED_TOPIC);
    });
  });

  describe('roles', () => {
    it('refuses issue and revoke from accounts without MINTER_ROLE, the admin included', async () => {
      // Prepare
      const { tokenId } = await issue();
      const issueData = ledger.encodeIssue(await terms());

      // Act & Assess
      for (const wallet of [stranger, admin.wallet]) {
        for (const data of [issueData, ledger.encodeRevoke(tokenId)]) {
          expect(await rejection(wallet, data)).toEqual({
            name: 'AccessControlUnauthorizedAccount',
            args: { account: wallet.address, neededRole: roles.minter },
          });
        }
      }
    });

    it('refuses settle and settleBatch from accounts without SETTLER_ROLE', async () => {
      // Prepare
      const { tokenId } = await issue();
      const settlement = { tokenId, usedBefore: 0, jobIds: jobIds(1) };

      // Act & Assess
      for (const data of [ledger.encodeSettle(settlement), ledger.encodeSettleBatch([settlement])]) {
        expect(await rejection(stranger, data)).toEqual({
          name: 'AccessControlUnauthorizedAccount',
          args: { account: stranger.address, neededRole: roles.settler },
        });
      }
      expect((await ledger.licenseOf(tokenId)).printsUsed).toBe(0);
    });

    it('lets only the admin grant roles, and a granted role takes effect', async () => {
      // Prepare
      const grant = compiled.encodeFunctionData('grantRole', [roles.minter, stranger.address]);
      const revoke = compiled.encodeFunctionData('revokeRole', [roles.minter, stranger.address]);

      // Act & Assess: the relayer holds MINTER_ROLE, yet cannot hand it on.
      expect(await rejection(relayer.wallet, grant)).toEqual({
        name: 'AccessControlUnauthorizedAccount',
        args: { account: relayer.address, neededRole: DEFAULT_ADMIN_ROLE },
      });
      await send(admin.wallet, grant);
      await send(stranger, ledger.encodeIssue(await terms()));
      await send(admin.wallet, revoke);
      expect((await rejection(stranger, ledger.encodeIssue(await terms())))?.name).toBe(
        'AccessControlUnauthorizedAccount',
      );
    });

    it('refuses to deploy without an admin', async () => {
      // Prepare
      const { ContractFactory } = await import('ethers');
      const artifact = await loadArtifact('LicenseLedger');
      const factory = new ContractFactory(artifact.abi, artifact.bytecode, admin.wallet);
      const deployment = await factory.getDeployTransaction(ZERO_ADDRESS);

      // Act
      const failure = await admin.wallet.sendTransaction(deployment).then(
        () => undefined,
        (err: unknown) => err,
      );

      // Assess
      expect(ledger.decodeRevert(revertDataOf(failure) ?? '0x')).toEqual({ name: 'InvalidAdmin', args: {} });
    });
  });

  describe('issue', () => {
    it('stores the license in one slot, emits LicenseIssued and answers licenseOf', async () => {
      // Prepare
      const licenseTerms = await terms({ prints: 250, printerRoot: printerRoot([newId(), newId()]) });
      const expectedId = ledger.licenseIdOf(
        licenseTerms.licenseRef,
        licenseTerms.designId,
        licenseTerms.printerRoot,
      );

      // Act
      const receipt = await send(relayer.wallet, ledger.encodeIssue(licenseTerms));

      // Assess: the event, the local id and the contract's id agree.
      const events = receipt.logs.map((log) => ledger.decodeLog(log));
      expect(events).toEqual([
        {
          name: 'LicenseIssued',
          args: {
            tokenId: expectedId,
            licenseRef: licenseTerms.licenseRef,
            designId: licenseTerms.designId,
            holder: licenseTerms.holder,
            prints: 250,
            expiresAt: licenseTerms.expiresAt,
            printerRoot: licenseTerms.printerRoot,
          },
        },
      ]);
      const onChainId = (await ledgerAsAdmin.getFunction('licenseIdOf')(
        licenseTerms.licenseRef,
        licenseTerms.designId,
        licenseTerms.printerRoot,
      )) as bigint;
      expect(`0x${onChainId.toString(16).padStart(64, '0')}`).toBe(expectedId);
      expect(expectedId).toMatch(/^0x[0-9a-f]{64}$/);
      expect(await ledger.licenseOf(expectedId)).toEqual({
        exists: true,
        holder: licenseTerms.holder,
        printsTotal: 250,
        printsUsed: 0,
        expiresAt: licenseTerms.expiresAt,
        revoked: false,
      });

      // Assess: the whole record is one storage word (holder | total | used | expiry | revoked).
      const coder = AbiCoder.defaultAbiCoder();
      let word = 0n;
      let slot = '';
      for (let mappingSlot = 0; mappingSlot < 16 && word === 0n; mappingSlot += 1) {
        slot = keccak256(coder.encode(['uint256', 'uint256'], [expectedId, mappingSlot]));
        word = BigInt(await relayer.provider.getStorage(ledger.address, slot));
      }
      expect(word).not.toBe(0n);
      const expirySeconds = BigInt((licenseTerms.expiresAt as Date).getTime() / 1000);
      expect(word).toBe(BigInt(licenseTerms.holder) | (250n << 160n) | (expirySeconds << 208n));
      expect(BigInt(await relayer.provider.getStorage(ledger.address, BigInt(slot) + 1n))).toBe(0n);
    });

    it('refuses a second issue of the same terms with LicenseExists, even with other counts', async () => {
      // Prepare
      const { tokenId, terms: first } = await issue();

      // Act & Assess
      for (const retry of [first, { ...first, prints: 99, holder: stranger.address }]) {
        expect(await rejection(relayer.wallet, ledger.encodeIssue(retry))).toEqual({
          name: 'LicenseExists',
          args: { tokenId },
        });
      }
      expect((await ledger.licenseOf(tokenId)).printsTotal).toBe(first.prints);
    });

    it('refuses invalid terms with InvalidTerms', async () => {
      // Prepare
      const now = await chainNow();
      const invalid: Partial<IssueTerms>[] = [
        { licenseRef: `0x${'00'.repeat(16)}` },
        { designId: `0x${'00'.repeat(16)}` },
        { holder: ZERO_ADDRESS },
        { prints: 0 },
        { expiresAt: new Date(now * 1000) },
        { expiresAt: new Date((now - 3600) * 1000) },
      ];

      // Act & Assess
      for (const overrides of invalid) {
        const data = ledger.encodeIssue(await terms(overrides));
        expect(await rejection(relayer.wallet, data), JSON.stringify(overrides)).toEqual({
          name: 'InvalidTerms',
          args: {},
        });
      }
    });

    it('answers an all-zero record for an unknown token id', async () => {
      const unknown = ledger.licenseIdOf(randomBytes16(), randomBytes16(), ANY_PRINTER_ROOT);
      expect(await ledger.licenseOf(unknown)).toEqual({
        exists: false,
        holder: ZERO_ADDRESS,
        printsTotal: 0,
        printsUsed: 0,
        expiresAt: new Date(0),
        revoked: false,
      });
    });
  });

  describe('revoke', () => {
    it('revokes once, then refuses with AlreadyRevoked; an unknown id with UnknownLicense', async () => {
      // Prepare
      const { tokenId } = await issue();
      const unknown = ledger.licenseIdOf(randomBytes16(), randomBytes16(), ANY_PRINTER_ROOT);

      // Act
      const receipt = await send(relayer.wallet, ledger.encodeRevoke(tokenId));

      // Assess
      expect(receipt.logs.map((log) => ledger.decodeLog(log))).toEqual([
        { name: 'LicenseRevoked', args: { tokenId } },
      ]);
      expect((await ledger.licenseOf(tokenId)).revoked).toBe(true);
      expect(await rejection(relayer.wallet, ledger.encodeRevoke(tokenId))).toEqual({
        name: 'AlreadyRevoked',
        args: { tokenId },
      });
      expect(await rejection(relayer.wallet, ledger.encodeRevoke(unknown))).toEqual({
        name: 'UnknownLicense',
        args: { tokenId: unknown },
      });
    });

    it('still records prints settled after revocation: they were authorised before it', async () => {
      // Prepare
      const { tokenId } = await issue();
      await send(relayer.wallet, ledger.encodeRevoke(tokenId));

      // Act
      await send(relayer.wallet, ledger.encodeSettle({ tokenId, usedBefore: 0, jobIds: jobIds(2) }));

      // Assess
      expect(await ledger.licenseOf(tokenId)).toMatchObject({ revoked: true, printsUsed: 2 });
    });
  });

  describe('settle', () => {
    it('records prints, emits their job ids and refuses a replay with SettlementOutOfOrder', async () => {
      // Prepare
      const { tokenId } = await issue({ prints: 5 });
      const jobs = jobIds(3);
      const settlement = ledger.encodeSettle({ tokenId, usedBefore: 0, jobIds: jobs });

      // Act
      const receipt = await send(relayer.wallet, settlement);

      // Assess
      expect(receipt.logs.map((log) => ledger.decodeLog(log))).toEqual([
        { name: 'PrintsSettled', args: { tokenId, usedBefore: 0, jobIds: jobs } },
      ]);
      expect((await ledger.licenseOf(tokenId)).printsUsed).toBe(3);
      expect(await rejection(relayer.wallet, settlement)).toEqual({
        name: 'SettlementOutOfOrder',
        args: { tokenId, expectedUsed: 0, actualUsed: 3 },
      });
      expect((await ledger.licenseOf(tokenId)).printsUsed).toBe(3);
    });

    it('refuses more prints than are left with PrintsExhausted', async () => {
      // Prepare
      const { tokenId } = await issue({ prints: 5 });
      await send(relayer.wallet, ledger.encodeSettle({ tokenId, usedBefore: 0, jobIds: jobIds(3) }));

      // Act
      const refused = await rejection(
        relayer.wallet,
        ledger.encodeSettle({ tokenId, usedBefore: 3, jobIds: jobIds(3) }),
      );

      // Assess
      expect(refused).toEqual({ name: 'PrintsExhausted', args: { tokenId, printsLeft: 2, requested: 3 } });
      await send(relayer.wallet, ledger.encodeSettle({ tokenId, usedBefore: 3, jobIds: jobIds(2) }));
      expect((await ledger.licenseOf(tokenId)).printsUsed).toBe(5);
    });

    it('refuses empty settlements and unknown licenses', async () => {
      // Prepare
      const { tokenId } = await issue();
      const unknown = ledger.licenseIdOf(randomBytes16(), randomBytes16(), ANY_PRINTER_ROOT);

      // Act & Assess
      for (const data of [
        ledger.encodeSettle({ tokenId, usedBefore: 0, jobIds: [] }),
        ledger.encodeSettleBatch([]),
      ]) {
        expect(await rejection(relayer.wallet, data)).toEqual({ name: 'EmptySettlement', args: {} });
      }
      expect(
        await rejection(
          relayer.wallet,
          ledger.encodeSettle({ tokenId: unknown, usedBefore: 0, jobIds: jobIds(1) }),
        ),
      ).toEqual({ name: 'UnknownLicense', args: { tokenId: unknown } });
    });

    it('settles a batch across licenses, chaining usedBefore for a license listed twice', async () => {
      // Prepare
      const a = await issue();
      const b = await issue();
      const batch = [
        { tokenId: a.tokenId, usedBefore: 0, jobIds: jobIds(2) },
        { tokenId: b.tokenId, usedBefore: 0, jobIds: jobIds(4) },
        { tokenId: a.tokenId, usedBefore: 2, jobIds: jobIds(1) },
      ];

      // Act
      const receipt = await send(relayer.wallet, ledger.encodeSettleBatch(batch));

      // Assess
      expect(receipt.logs.map((log) => ledger.decodeLog(log))).toEqual(
        batch.map((entry) => ({ name: 'PrintsSettled', args: { ...entry } })),
      );
      expect((await ledger.licenseOf(a.tokenId)).printsUsed).toBe(3);
      expect((await ledger.licenseOf(b.tokenId)).printsUsed).toBe(4);
    });

    it('applies a batch all or nothing, even when mined', async () => {
      // Prepare
      const good = await issue();
      const stale = await issue();
      await send(
        relayer.wallet,
        ledger.encodeSettle({ tokenId: stale.tokenId, usedBefore: 0, jobIds: jobIds(1) }),
      );
      const data = ledger.encodeSettleBatch([
        { tokenId: good.tokenId, usedBefore: 0, jobIds: jobIds(2) },
        { tokenId: stale.tokenId, usedBefore: 0, jobIds: jobIds(1) },
      ]);

      // Act: the dry run names the bad entry; sent anyway (no estimate), the transaction fails whole.
      const dryRun = await rejection(relayer.wallet, data);
      const tx = await relayer.wallet.sendTransaction({ to: ledger.address, data, gasLimit: 300_000 });
      const mined = await tx.wait().then(
        () => undefined,
        (err: unknown) => err as { receipt?: { status: number } },
      );

      // Assess
      expect(dryRun).toEqual({
        name: 'SettlementOutOfOrder',
        args: { tokenId: stale.tokenId, expectedUsed: 0, actualUsed: 1 },
      });
      expect(mined?.receipt?.status).toBe(0);
      expect((await ledger.licenseOf(good.tokenId)).printsUsed).toBe(0);
      expect((await ledger.licenseOf(stale.tokenId)).printsUsed).toBe(1);
    });

    it('still settles an expired license: the prints were authorised while it was valid', async () => {
      // Prepare
      const now = await chainNow();
      const { tokenId } = await issue({ expiresAt: new Date((now + 60) * 1000) });
      await relayer.provider.send('evm_increaseTime', [3600]);
      await relayer.provider.send('evm_mine', []);
      const license = await ledger.licenseOf(tokenId);
      expect(license.expiresAt.getTime()).toBeLessThan((await chainNow()) * 1000);

      // Act
      await send(relayer.wallet, ledger.encodeSettle({ tokenId, usedBefore: 0, jobIds: jobIds(2) }));

      // Assess
      expect((await ledger.licenseOf(tokenId)).printsUsed).toBe(2);
    });
  });

  describe('print vouchers', () => {
    const printers = [newId(), newId(), newId()];
    const root = printerRoot(printers);

    async function voucherFor(
      tokenId: string,
      printerId: string,
      overrides: Partial<PrintVoucher> = {},
    ): Promise<PrintVoucher> {
      return {
        tokenId,
        jobId: idToBytes16(newId()),
        printerId: idToBytes16(printerId),
        notAfter: (await chainNow()) + 3600,
        ...overrides,
      };
    }

    async function sign(
      voucher: PrintVoucher,
      signer: Pick<Wallet, 'signTypedData'> = voucherSigner,
    ): Promise<string> {
      return signPrintVoucher(signer, ledger.address, chain.chainId, voucher);
    }

    function redeem(
      voucher: PrintVoucher,
      licenseTerms: IssueTerms,
      proof: readonly string[],
      signature: string,
    ): string {
      return ledger.encodeRedeemVoucher(voucher, licenseTerms, proof, signature);
    }

    it('hashes a voucher in TypeScript exactly as the contract does, and recovers its signer', async () => {
      // Prepare
      const { tokenId } = await issue({ printerRoot: root });
      const voucher = await voucherFor(tokenId, printers[0] as string);

      // Act
      const signature = await sign(voucher);

      // Assess
      expect(await printVoucherDigest(ledger.address, chain.chainId, voucher)).toBe(
        await ledger.voucherDigest(voucher),
      );
      expect(await verifyPrintVoucher(ledger.address, chain.chainId, voucher, signature)).toBe(
        voucherSigner.address,
      );
      expect(await verifyPrintVoucher(ledger.address, chain.chainId + 1, voucher, signature)).not.toBe(
        voucherSigner.address,
      );
    });

    it('redeems a voucher from anyone, counts the print, and refuses the replay', async () => {
      // Prepare
      const { tokenId, terms: licenseTerms } = await issue({ printerRoot: root });
      const printer = printers[1] as string;
      const voucher = await voucherFor(tokenId, printer);
      const data = redeem(voucher, licenseTerms, printerProof(printers, printer), await sign(voucher));

      // Act
      const receipt = await send(stranger, data);

      // Assess
      expect(receipt.logs.map((log) => ledger.decodeLog(log))).toEqual([
        { name: 'VoucherRedeemed', args: { tokenId, jobId: voucher.jobId, printerId: voucher.printerId } },
      ]);
      expect((await ledger.licenseOf(tokenId)).printsUsed).toBe(1);
      expect(await ledger.voucherRedeemed(voucher.jobId)).toBe(true);
      expect(await rejection(stranger, data)).toEqual({
        name: 'VoucherAlreadyRedeemed',
        args: { jobId: voucher.jobId },
      });
      expect((await ledger.licenseOf(tokenId)).printsUsed).toBe(1);
    });

    it('refuses a voucher signed by a key without VOUCHER_SIGNER_ROLE, or a malformed signature', async () => {
      // Prepare
      const { tokenId, terms: licenseTerms } = await issue({ printerRoot: root });
      const printer = printers[0] as string;
      const voucher = await voucherFor(tokenId, printer);
      const impostor = Wallet.createRandom();
      const proof = printerProof(printers, printer);

      // Act & Assess
      expect(
        await rejection(stranger, redeem(voucher, licenseTerms, proof, await sign(voucher, impostor))),
      ).toEqual({ name: 'InvalidVoucherSigner', args: { signer: impostor.address } });
      const truncated = (await sign(voucher)).slice(0, -2);
      expect(await rejection(stranger, redeem(voucher, licenseTerms, proof, truncated))).toEqual({
        name: 'InvalidVoucherSigner',
        args: { signer: ZERO_ADDRESS },
      });
      expect(await ledger.voucherRedeemed(voucher.jobId)).toBe(false);
    });

    it('refuses a voucher whose fields were changed after signing', async () => {
      // Prepare
      const { tokenId, terms: licenseTerms } = await issue({ printerRoot: root });
      const voucher = await voucherFor(tokenId, printers[0] as string);
      const signature = await sign(voucher);
      const tampered: [PrintVoucher, string][] = [
        [{ ...voucher, printerId: idToBytes16(printers[2] as string) }, printers[2] as string],
        [{ ...voucher, jobId: idToBytes16(newId()) }, printers[0] as string],
        [{ ...voucher, notAfter: voucher.notAfter + 86_400 * 30 }, printers[0] as string],
      ];

      // Act & Assess: the contract and the printer's offline check both see another signer.
      for (const [changed, printer] of tampered) {
        const refused = await rejection(
          stranger,
          redeem(changed, licenseTerms, printerProof(printers, printer), signature),
        );
        expect(refused?.name).toBe('InvalidVoucherSigner');
        const recovered = await verifyPrintVoucher(ledger.address, chain.chainId, changed, signature);
        expect(refused?.args).toEqual({ signer: recovered });
        expect(recovered).not.toBe(voucherSigner.address);
      }
    });

    it('refuses a printer outside the approved set with PrinterNotApproved', async () => {
      // Prepare
      const { tokenId, terms: licenseTerms } = await issue({ printerRoot: root });
      const outsider = newId();
      const voucher = await voucherFor(tokenId, outsider);
      const borrowedProof = printerProof(printers, printers[0] as string);

      // Act
      const refused = await rejection(
        stranger,
        redeem(voucher, licenseTerms, borrowedProof, await sign(voucher)),
      );

      // Assess
      expect(refused).toEqual({
        name: 'PrinterNotApproved',
        args: { tokenId, printerId: voucher.printerId },
      });
    });

    it('accepts any printer with an empty proof when the license has no printer set', async () => {
      // Prepare
      const { tokenId, terms: licenseTerms } = await issue({ printerRoot: ANY_PRINTER_ROOT });
      const voucher = await voucherFor(tokenId, newId());

      // Act
      await send(stranger, redeem(voucher, licenseTerms, [], await sign(voucher)));

      // Assess
      expect(await ledger.voucherRedeemed(voucher.jobId)).toBe(true);
    });

    it('refuses a voucher that outlives its license with VoucherOutlivesLicense', async () => {
      // Prepare
      const { tokenId, terms: licenseTerms } = await issue({ printerRoot: root });
      const expiresAt = Math.floor((licenseTerms.expiresAt as Date).getTime() / 1000);
      const voucher = await voucherFor(tokenId, printers[0] as string, { notAfter: expiresAt + 1 });
      const proof = printerProof(printers, printers[0] as string);

      // Act
      const refused = await rejection(stranger, redeem(voucher, licenseTerms, proof, await sign(voucher)));

      // Assess
      expect(refused).toEqual({
        name: 'VoucherOutlivesLicense',
        args: { tokenId, notAfter: new Date((expiresAt + 1) * 1000), expiresAt: licenseTerms.expiresAt },
      });
    });

    it('refuses terms that do not hash to the voucher token id, and terms of no license', async () => {
      // Prepare
      const { tokenId, terms: licenseTerms } = await issue({ printerRoot: root });
      const voucher = await voucherFor(tokenId, printers[0] as string);
      const proof = printerProof(printers, printers[0] as string);
      const signature = await sign(voucher);
      const otherDesign = { ...licenseTerms, designId: idToBytes16(newId()) };
      const otherTokenId = ledger.licenseIdOf(otherDesign.licenseRef, otherDesign.designId, root);
      const neverIssued = await voucherFor(otherTokenId, printers[0] as string);

      // Act & Assess
      expect(await rejection(stranger, redeem(voucher, otherDesign, proof, signature))).toEqual({
        name: 'TermsMismatch',
        args: { voucherTokenId: tokenId, termsTokenId: otherTokenId },
      });
      expect(
        await rejection(stranger, redeem(neverIssued, otherDesign, proof, await sign(neverIssued))),
      ).toEqual({
        name: 'UnknownLicense',
        args: { tokenId: otherTokenId },
      });
    });

    it('redeems a voucher signed before revocation, and refuses one past the last print', async () => {
      // Prepare
      const { tokenId, terms: licenseTerms } = await issue({ printerRoot: root, prints: 1 });
      const printer = printers[2] as string;
      const proof = printerProof(printers, printer);
      const first = await voucherFor(tokenId, printer);
      const second = await voucherFor(tokenId, printer);
      const [firstSignature, secondSignature] = [await sign(first), await sign(second)];
      await send(relayer.wallet, ledger.encodeRevoke(tokenId));

      // Act
      await send(stranger, redeem(first, licenseTerms, proof, firstSignature));
      const refused = await rejection(stranger, redeem(second, licenseTerms, proof, secondSignature));

      // Assess
      expect(await ledger.licenseOf(tokenId)).toMatchObject({ revoked: true, printsUsed: 1 });
      expect(refused).toEqual({ name: 'PrintsExhausted', args: { tokenId, printsLeft: 0, requested: 1 } });
    });
  });

  describe('decoding', () => {
    it("decodes only the ledger's own events", async () => {
      // Prepare: a role grant emits RoleGranted, which the indexer does not care about.
      const receipt = await send(
        admin.wallet,
        compiled.encodeFunctionData('grantRole', [roles.settler, Wallet.createRandom().address]),
      );
      const { tokenId, terms: issued } = await issue();
      // The issue log is found by its license reference (topic 1, a bytes16 padded on the right).
      const logs = await relayer.provider.getLogs({
        address: ledger.address,
        topics: [LICENSE_ISSUED_TOPIC, `${issued.licenseRef.toLowerCase()}${'0'.repeat(32)}`],
      });
      const issuedLog = logs[0];
      if (issuedLog === undefined) throw new Error('LicenseIssued was not logged');

      // Act & Assess
      expect(receipt.logs.length).toBe(1);
      expect(receipt.logs.map((log) => ledger.decodeLog(log))).toEqual([undefined]);
      expect(ledger.decodeLog(issuedLog)?.name).toBe('LicenseIssued');
      expect(ledger.decodeLog(issuedLog)?.args).toMatchObject({ tokenId });
      expect(ledger.decodeLog({ ...issuedLog, address: stranger.address })).toBeUndefined();
    });

    it('leaves revert data that is not a ledger error undecoded', () => {
      const panic = `0x4e487b71${'0'.repeat(62)}11`;
      const errorString = new Interface(['error Error(string)']).encodeErrorResult('Error', ['boom']);
      expect(ledger.decodeRevert(panic)).toBeUndefined();
      expect(ledger.decodeRevert(errorString)).toBeUndefined();
      expect(ledger.decodeRevert('0x')).toBeUndefined();
    });
  });
});

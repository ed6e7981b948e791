import { createHash, randomBytes } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import { createDesignCipher, newDataKey } from '#shared/crypto/data-key.ts';
import type { KeyWrapper } from '#shared/crypto/key-wrapper.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { sealedDesignAad, vaultKeyFor } from '#shared/designs/design.ts';
import { newId } from '#shared/ids.ts';
import type { ObjectStore } from '#shared/storage/object-store.ts';

/** A design row already `registered`, with no file behind it: for tests of licensing, not the vault. */
export async function insertRegisteredDesign(pool: DbPool, orgId: string): Promise<string> {
  const designId = newId();
  await pool.query(
    `INSERT INTO designs (id, org_id, name, format, declared_bytes, status, upload_key)
     VALUES (?, ?, 'bracket', 'stl', 684, 'registered', ?)`,
    [designId, orgId, `designs/${designId}/source`],
  );
  return designId;
}

/** An active printer row whose key and credential nobody uses (tests that never call as the printer). */
export async function insertPrinter(pool: DbPool, orgId: string, name = 'test printer'): Promise<string> {
  const printerId = newId();
  await pool.query(
    `INSERT INTO printers (id, org_id, name, public_key_pem, public_key_sha256, credential_hash)
     VALUES (?, ?, ?, 'unused', ?, ?)`,
    [printerId, orgId, name, randomBytes(32), randomBytes(32)],
  );
  return printerId;
}

export interface SealedTestDesign {
  readonly designId: string;
  readonly vaultKey: string;
  readonly plaintext: Buffer;
}

/**
 * A registered design whose bytes sit encrypted in the vault exactly as ip-upload leaves them:
 * AES-256-GCM under a fresh data key with the design id as AAD, the data key wrapped by `keys`
 * in design_keys. Skips validation and the chain, which these tests do not exercise.
 */
export async function createSealedDesign(
  pool: DbPool,
  store: ObjectStore,
  options: { orgId: string; vaultBucket: string; keys: KeyWrapper; plaintext?: Buffer },
): Promise<SealedTestDesign> {
  const designId = newId();
  const plaintext = options.plaintext ?? randomBytes(64 * 1024);
  const dataKey = newDataKey();
  const { iv, cipher, authTag } = createDesignCipher(dataKey, sealedDesignAad(designId));
  const ciphertext = Buffer.concat(await cipher.end(plaintext).toArray());
  const vaultKey = vaultKeyFor(designId);
  await store.put(options.vaultBucket, vaultKey, ciphertext, { contentType: 'application/octet-stream' });
  await pool.query(
    `INSERT INTO designs (id, org_id, name, format, declared_bytes, status, upload_key, sha256, size_bytes,
       vault_key, finished_at)
     VALUES (?, ?, 'test design', 'stl', ?, 'registered', ?, ?, ?, ?, NOW(3))`,
    [
      designId,
      options.orgId,
      plaintext.length,
      `designs/${designId}/source`,
      createHash('sha256').update(plaintext).digest(),
      plaintext.length,
      vaultKey,
    ],
  );
  await pool.query(
    'INSERT INTO design_keys (design_id, wrapped_key, key_ref, iv, auth_tag) VALUES (?, ?, ?, ?, ?)',
    [designId, await options.keys.wrap(dataKey), options.keys.keyRef, iv, authTag()],
  );
  return { designId, vaultKey, plaintext };
}

export interface TestLicenseOptions {
  readonly issuerOrgId: string;
  readonly holderOrgId: string;
  readonly designId: string;
  readonly printsTotal: number;
  readonly failureAllowance?: number;
  readonly status?: 'pending' | 'active' | 'failed';
  /** Defaults to a day from now; a past date makes an expired license. */
  readonly expiresAt?: Date;
  readonly revoked?: boolean;
  /** The approved printers; none means any printer of the holder. */
  readonly printerIds?: readonly string[];
}

/**
 * Inserts a license row directly, as the minting function would leave it once mined (or in the
 * state asked for). Only what print authorization reads is filled in.
 */
export async function createLicense(pool: DbPool, options: TestLicenseOptions): Promise<string> {
  const id = newId();
  const status = options.status ?? 'active';
  await pool.query(
    `INSERT INTO licenses (id, issuer_org_id, holder_org_id, design_id, idempotency_key, request_sha256,
       prints_total, failure_allowance, expires_at, printer_root, status, revoked_at, revocation_reason,
       activated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      id,
      options.issuerOrgId,
      options.holderOrgId,
      options.designId,
      `test-${id}`,
      createHash('sha256').update(id).digest(),
      options.printsTotal,
      options.failureAllowance ?? 0,
      options.expiresAt ?? new Date(Date.now() + 86_400_000),
      options.printerIds?.length ? randomBytes(32) : null,
      status,
      options.revoked ? new Date() : null,
      options.revoked ? 'test revocation' : null,
      status === 'active' ? new Date() : null,
    ],
  );
  if (options.printerIds?.length) {
    await pool.query('INSERT INTO license_printers (license_id, printer_id) VALUES ?', [
      options.printerIds.map((printerId) => [id, printerId]),
    ]);
  }
  return id;
}

/** The ledger columns of a license, for asserting the invariant. */
export async function licenseCounts(
  pool: DbPool,
  licenseId: string,
): Promise<{ printsUsed: number; printsReserved: number; failuresRefunded: number; printSeq: number }> {
  const [rows] = await pool.query<RowDataPacket[]>(
    'SELECT prints_used, prints_reserved, failures_refunded, print_seq FROM licenses WHERE id = ?',
    [licenseId],
  );
  const row = rows[0];
  if (!row) throw new Error(`no license ${licenseId}`);
  return {
    printsUsed: Number(row.prints_used),
    printsReserved: Number(row.prints_reserved),
    failuresRefunded: Number(row.failures_refunded),
    printSeq: Number(row.print_seq),
  };
}

import type { KeyObject } from 'node:crypto';
import type { KeyWrapper } from '#shared/crypto/key-wrapper.ts';
import { wrapForPrinter } from '#shared/crypto/printer-key-wrap.ts';
import type { DbPool } from '#shared/db/pool.ts';
import { sealedDesignAad } from '#shared/designs/design.ts';
import { findSealedDesign } from '#shared/designs/design-repository.ts';
import { NotFoundError, UnauthorizedError } from '#shared/errors.ts';
import { findLicense } from '#shared/licenses/license-repository.ts';
import { type PrintGrant, shapeContentKey, shapeGrant } from '#shared/licenses/print-grant.ts';
import { authorizePrint } from '#shared/licenses/print-ledger.ts';
import type { Metrics } from '#shared/metrics/metrics.ts';
import { parsePrinterPublicKey } from '#shared/printers/printer-public-key.ts';
import { findPrinter } from '#shared/printers/printer-repository.ts';
import { BoundedCache } from './bounded-cache.ts';
import type { DownloadPresigner } from './download-presigner.ts';
import { designUnavailable, refusalError } from './errors.ts';
import type { PrinterPrincipal } from './printer-principal.ts';

export interface GrantIssuerDeps {
  readonly pool: DbPool;
  /** Presigned GETs of the vault bucket (the same URLs as the object store's presignGet, cheaper). */
  readonly presignDownload: DownloadPresigner;
  readonly keys: KeyWrapper;
  readonly vaultBucket: string;
  readonly grantTtlSeconds: number;
  readonly downloadTtlSeconds: number;
  /** Counts `prints_authorized`, one per grant handed out. */
  readonly metrics: Metrics;
}

interface PrinterKey {
  readonly key: KeyObject;
  /** Hex SHA-256 of the DER public key. */
  readonly keyId: string;
}

export interface GrantIssuer {
  issue(printer: PrinterPrincipal, licenseId: string): Promise<PrintGrant>;
}

/**
 * Reserves one print and hands out its one-time grant. The license is decided by one
 * conditional UPDATE (print-ledger); everything else a grant needs is read before it and kept:
 * a license's holder, design and sealed key, and a printer's public key, never change.
 */
export function createGrantIssuer(deps: GrantIssuerDeps): GrantIssuer {
  const licenses = new BoundedCache<string, LicenseForPrinting>({ maxEntries: 1024, ttlMs: 300_000 });
  const printerKeys = new BoundedCache<string, PrinterKey>({ maxEntries: 1024, ttlMs: 600_000 });
  // Unwrapping goes to KMS in production: a signed network call of tens of milliseconds, on every
  // print of a design otherwise. Plaintext data keys stay in memory only briefly (one minute) and
  // for few designs (LRU of 128), and are never written anywhere.
  const dataKeys = new BoundedCache<string, Buffer>({ maxEntries: 128, ttlMs: 60_000 });
  // The data key wrapped for one printer key (RSA-OAEP, about 0.1 ms of CPU each): the same for
  // every print of that design on that printer, and only that printer's private key opens it.
  const wrappedKeys = new BoundedCache<string, Buffer>({ maxEntries: 1024, ttlMs: 60_000 });

  async function licenseFor(printer: PrinterPrincipal, licenseId: string): Promise<LicenseForPrinting> {
    const license = await licenses.getOrLoad(licenseId, async () => {
      const found = await findLicenseForPrinting(deps.pool, licenseId);
      if (!found) throw new NotFoundError(`No license ${licenseId}`);
      return found;
    });
    if (license.holderOrgId !== printer.orgId) throw new NotFoundError(`No license ${licenseId}`);
    if (!license.vaultKey || !license.designKey) {
      // Not kept: the design may be sealed a moment from now.
      licenses.delete(licenseId);
      throw designUnavailable(license.designId);
    }
    return license;
  }

  function printerKeyFor(printer: PrinterPrincipal): Promise<PrinterKey> {
    return printerKeys.getOrLoad(printer.printerId, async () => {
      const found = await findPrinter(deps.pool, printer.printerId);
      if (!found || found.orgId !== printer.orgId) throw new UnauthorizedError('Unknown printer');
      const parsed = parsePrinterPublicKey(found.publicKeyPem);
      return { key: parsed.key, keyId: parsed.sha256.toString('hex') };
    });
  }

  return {
    async issue(printer, licenseId) {
      const license = await licenseFor(printer, licenseId);
      const vaultKey = license.vaultKey as string;
      const designKey = license.designKey as NonNullable<LicenseForPrinting['designKey']>;
      // Both before reserving: a KMS outage must not leave a print reserved for nothing.
      const [printerKey, dataKey] = await Promise.all([
        printerKeyFor(printer),
        dataKeys.getOrLoad(license.designId, () => deps.keys.unwrap(designKey.wrappedKey)),
      ]);

      const authorization = await authorizePrint(deps.pool, {
        licenseId,
        printerId: printer.printerId,
        orgId: printer.orgId,
        designId: license.designId,
        grantTtlSeconds: deps.grantTtlSeconds,
      });
      if (!authorization.granted) throw refusalError(authorization.refusal, licenseId);

      // SigV4 signs whole seconds: the URL lapses ttl seconds after the second it was signed in.
      const signedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
      const downloadUrl = deps.presignDownload(deps.vaultBucket, vaultKey, deps.downloadTtlSeconds, signedAt);
      const downloadExpiresAt = new Date(signedAt.getTime() + deps.downloadTtlSeconds * 1000);
      const grant = shapeGrant({
        jobId: authorization.jobId,
        serial: authorization.serial,
        licenseId,
        designId: license.designId,
        grantExpiresAt: authorization.grantExpiresAt,
        downloadUrl,
        downloadExpiresAt,
        contentKey: shapeContentKey({
          printerId: printer.printerId,
          printerKeyId: printerKey.keyId,
          wrappedKey: wrappedKeys.getOrLoadSync(`${printerKey.keyId}:${license.designId}`, () =>
            wrapForPrinter(printerKey.key, dataKey),
          ),
          iv: designKey.iv,
          tag: designKey.authTag,
          aad: sealedDesignAad(license.designId),
        }),
      });
      deps.metrics.count('prints_authorized');
      return grant;
    },
  };
}

/** The license fields a grant needs that never change once minted: holder, design, sealed key. */
interface LicenseForPrinting {
  readonly licenseId: string;
  readonly holderOrgId: string;
  readonly designId: string;
  /** Null until the design is sealed in the vault. */
  readonly vaultKey: string | null;
  readonly designKey: {
    readonly wrappedKey: Buffer;
    readonly keyRef: string;
    readonly iv: Buffer;
    readonly authTag: Buffer;
  } | null;
}

/** The license's holder and design (license repository) with the design's sealed key (design repository). */
async function findLicenseForPrinting(
  pool: DbPool,
  licenseId: string,
): Promise<LicenseForPrinting | undefined> {
  const license = await findLicense(pool, licenseId);
  if (!license) return undefined;
  const design = await findSealedDesign(pool, license.designId);
  return {
    licenseId: license.id,
    holderOrgId: license.holderOrgId,
    designId: license.designId,
    vaultKey: design?.vaultKey ?? null,
    designKey: design?.designKey ?? null,
  };
}

import type { DbPool } from '#shared/db/pool.ts';
import { newId } from '#shared/ids.ts';
import { issuePrinterCredential } from '#shared/printers/printer-credential.ts';
import { parsePrinterPublicKey } from '#shared/printers/printer-public-key.ts';
import { insertPrinter, replacePrinterCredential } from '#shared/printers/printer-repository.ts';

/** Registers a printer under `orgId`; returns its id and the credential, which is not kept. */
export async function registerPrinter(
  pool: DbPool,
  orgId: string,
  input: { name: string; publicKeyPem: string },
): Promise<{ printerId: string; credential: string }> {
  const publicKey = parsePrinterPublicKey(input.publicKeyPem);
  const printerId = newId();
  const credential = issuePrinterCredential(printerId);
  await insertPrinter(pool, {
    id: printerId,
    orgId,
    name: input.name,
    publicKeyPem: publicKey.pem,
    publicKeySha256: publicKey.sha256,
    credentialHash: credential.secretHash,
  });
  return { printerId, credential: credential.plaintext };
}

/** A new secret for an active printer; undefined when the organisation has no such printer. */
export async function rotatePrinterCredential(
  pool: DbPool,
  orgId: string,
  printerId: string,
): Promise<string | undefined> {
  const credential = issuePrinterCredential(printerId);
  const replaced = await replacePrinterCredential(pool, orgId, printerId, credential.secretHash);
  return replaced ? credential.plaintext : undefined;
}

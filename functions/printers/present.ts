import type { Printer } from '#shared/printers/printer.ts';

/** The public shape of a printer (its credential is only ever in the answer that issues it). */
export function presentPrinter(printer: Printer) {
  return {
    id: printer.id,
    name: printer.name,
    status: printer.status,
    publicKeyPem: printer.publicKeyPem,
    publicKeySha256: printer.publicKeySha256,
    createdAt: printer.createdAt.toISOString(),
    retiredAt: printer.retiredAt?.toISOString() ?? null,
  };
}

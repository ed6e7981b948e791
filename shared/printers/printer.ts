export type PrinterStatus = 'active' | 'retired';

/** A registered printer as its organisation sees it (never its credential). */
export interface Printer {
  readonly id: string;
  readonly orgId: string;
  readonly name: string;
  readonly publicKeyPem: string;
  /** Hex SHA-256 of the DER public key: the key id content keys are wrapped under. */
  readonly publicKeySha256: string;
  readonly status: PrinterStatus;
  readonly createdAt: Date;
  readonly retiredAt: Date | null;
}

/** What the authorizer needs to check a printer credential. */
export interface PrinterCredentialRow {
  readonly printerId: string;
  readonly orgId: string;
  readonly credentialHash: Buffer;
  readonly status: PrinterStatus;
}

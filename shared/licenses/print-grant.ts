import { PRINTER_KEY_WRAP } from '../crypto/printer-key-wrap.ts';

/** How the content (the design's data key) was used to encrypt the design. */
const CONTENT_ENCRYPTION = 'http://www.w3.org/2009/xmlenc11#aes256-gcm';

/**
 * The design's data key wrapped for one printer, shaped like a 3MF Secure Content consumer key:
 * which consumer and key it is for, how it was wrapped, and the AES-GCM parameters (iv, tag,
 * aad) the printer needs to open the design with it. Binary values are base64.
 */
export interface ConsumerContentKey {
  readonly consumerId: string;
  readonly keyId: string;
  readonly wrappingAlgorithm: typeof PRINTER_KEY_WRAP.wrappingAlgorithm;
  readonly mgfAlgorithm: typeof PRINTER_KEY_WRAP.mgfAlgorithm;
  readonly digestMethod: typeof PRINTER_KEY_WRAP.digestMethod;
  readonly cipherValue: string;
  readonly cekParams: {
    readonly encryptionAlgorithm: typeof CONTENT_ENCRYPTION;
    readonly iv: string;
    readonly tag: string;
    readonly aad: string;
  };
}

export function shapeContentKey(parts: {
  printerId: string;
  /** Hex SHA-256 of the printer's DER public key. */
  printerKeyId: string;
  wrappedKey: Buffer;
  iv: Buffer;
  tag: Buffer;
  aad: Buffer;
}): ConsumerContentKey {
  return {
    consumerId: parts.printerId,
    keyId: parts.printerKeyId,
    ...PRINTER_KEY_WRAP,
    cipherValue: parts.wrappedKey.toString('base64'),
    cekParams: {
      encryptionAlgorithm: CONTENT_ENCRYPTION,
      iv: parts.iv.toString('base64'),
      tag: parts.tag.toString('base64'),
      aad: parts.aad.toString('base64'),
    },
  };
}

/** The one-time grant a printer receives: everything it needs to print once, and nothing stored. */
export interface PrintGrant {
  readonly jobId: string;
  readonly serial: string;
  readonly licenseId: string;
  readonly designId: string;
  readonly expiresAt: string;
  readonly download: { readonly url: string; readonly method: 'GET'; readonly expiresAt: string };
  readonly contentKey: ConsumerContentKey;
}

export function shapeGrant(parts: {
  jobId: string;
  serial: string;
  licenseId: string;
  designId: string;
  grantExpiresAt: Date;
  downloadUrl: string;
  downloadExpiresAt: Date;
  contentKey: ConsumerContentKey;
}): PrintGrant {
  return {
    jobId: parts.jobId,
    serial: parts.serial,
    licenseId: parts.licenseId,
    designId: parts.designId,
    expiresAt: parts.grantExpiresAt.toISOString(),
    download: { url: parts.downloadUrl, method: 'GET', expiresAt: parts.downloadExpiresAt.toISOString() },
    contentKey: parts.contentKey,
  };
}

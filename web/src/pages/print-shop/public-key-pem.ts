/**
 * Checks a printer's public key in the browser before it is uploaded, so the common mistakes are
 * named at once: a private key (which must never leave the printer), a certificate, an RSA key in
 * the older PKCS #1 form, a key that is not RSA or is too short. Pure apart from Web Crypto (in
 * browsers and in Node), so unit tests run it on Node. The API checks again
 * (shared/printers/printer-public-key.ts) and stays the authority.
 */

/** The API's bound on the PEM text (MAX_PUBLIC_KEY_PEM_BYTES). */
export const MAX_PUBLIC_KEY_PEM_BYTES = 4096;
/** A file larger than this is refused before it is read at all. */
export const MAX_PEM_FILE_BYTES = 16 * 1024;
const MIN_MODULUS_BITS = 2048;
const MAX_MODULUS_BITS = 8192;

export type PemProblem =
  | 'empty'
  | 'too-large'
  | 'private-key'
  | 'certificate'
  | 'pkcs1'
  | 'not-pem'
  | 'several-keys'
  | 'not-rsa'
  | 'key-too-short'
  | 'key-too-long'
  | 'malformed';

export type PemCheck =
  | { readonly ok: true; readonly pem: string; readonly bits: number }
  | { readonly ok: false; readonly problem: PemProblem; readonly bits?: number };

const SPKI_BLOCK = /-----BEGIN PUBLIC KEY-----([\s\S]*?)-----END PUBLIC KEY-----/g;
/** rsaEncryption, 1.2.840.113549.1.1.1, as it appears DER-encoded in a SubjectPublicKeyInfo. */
const RSA_OID = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 !== 0) return undefined;
  const binary = atob(compact);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index += 1) bytes[index] = binary.charCodeAt(index);
  return bytes;
}

function containsSequence(haystack: Uint8Array, needle: readonly number[]): boolean {
  outer: for (let start = 0; start + needle.length <= haystack.length; start += 1) {
    for (let offset = 0; offset < needle.length; offset += 1) {
      if (haystack[start + offset] !== needle[offset]) continue outer;
    }
    return true;
  }
  return false;
}

export async function checkPublicKeyPem(text: string): Promise<PemCheck> {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, problem: 'empty' };
  if (new TextEncoder().encode(trimmed).length > MAX_PUBLIC_KEY_PEM_BYTES)
    return { ok: false, problem: 'too-large' };
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed)) return { ok: false, problem: 'private-key' };
  if (/-----BEGIN CERTIFICATE-----/.test(trimmed)) return { ok: false, problem: 'certificate' };
  if (/-----BEGIN RSA PUBLIC KEY-----/.test(trimmed)) return { ok: false, problem: 'pkcs1' };
  const blocks = [...trimmed.matchAll(SPKI_BLOCK)];
  if (blocks.length === 0) return { ok: false, problem: 'not-pem' };
  if (blocks.length > 1) return { ok: false, problem: 'several-keys' };
  const der = decodeBase64(blocks[0]?.[1] ?? '');
  if (!der) return { ok: false, problem: 'malformed' };
  if (!containsSequence(der, RSA_OID)) return { ok: false, problem: 'not-rsa' };
  let bits: number;
  try {
    const key = await crypto.subtle.importKey('spki', der, { name: 'RSA-OAEP', hash: 'SHA-256' }, true, [
      'encrypt',
    ]);
    bits = (key.algorithm as { modulusLength?: number }).modulusLength ?? 0;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (bits < MIN_MODULUS_BITS) return { ok: false, problem: 'key-too-short', bits };
  if (bits > MAX_MODULUS_BITS) return { ok: false, problem: 'key-too-long', bits };
  return { ok: true, pem: canonicalPem(der), bits };
}

/** The key re-encoded the way the API expects it: 64-character base64 lines between the markers. */
function canonicalPem(der: Uint8Array<ArrayBuffer>): string {
  let binary = '';
  for (const byte of der) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN PUBLIC KEY-----\n${lines.join('\n')}\n-----END PUBLIC KEY-----\n`;
}

/** A file chosen for upload, refused by its size before any of it is read. */
export function fileTooLarge(size: number): boolean {
  return size > MAX_PEM_FILE_BYTES;
}

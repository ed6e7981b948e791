import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { crc32 } from 'node:zlib';
import {
  HttpError,
  type OciSigningOptions,
  parseJson,
  sendJson,
  startOciFakeServer,
} from './oci-fake-http.ts';

/**
 * A local OCI Vault crypto endpoint (API 20180608) for AES keys, speaking the wire format the
 * `oci-keymanagement` KmsCryptoClient sends (checked against node_modules/oci-keymanagement/lib):
 *
 *   POST /20180608/encrypt  {keyId, plaintext(base64), keyVersionId?, associatedData?, encryptionAlgorithm?}
 *                           -> {ciphertext(base64), keyId, keyVersionId, encryptionAlgorithm}
 *   POST /20180608/decrypt  {keyId, ciphertext(base64), keyVersionId?, associatedData?, encryptionAlgorithm?}
 *                           -> {plaintext(base64), plaintextChecksum, keyId, keyVersionId, encryptionAlgorithm}
 *
 * Every request must carry a valid OCI HTTP signature. Encryption is real AES-256-GCM under a
 * random secret per key version; like OCI, the ciphertext names the key version that made it,
 * so decrypt needs no version after a rotation. Status codes for a bad ciphertext (400
 * InvalidParameter) and an unknown key (404 NotAuthorizedOrNotFound) follow OCI's conventions
 * but were not checked against the live service.
 */
export type FakeOciKmsOptions = OciSigningOptions;

export interface FakeKmsCall {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

export interface FakeOciKms {
  /** Base URL to use as the vault's cryptoEndpoint (without the API version). */
  readonly endpoint: string;
  /** Creates an AES key with one version; returns that version's id. */
  createKey(keyId: string): string;
  /** Adds a new current version to the key; returns its id. */
  rotateKey(keyId: string): string;
  /** Authenticated requests, in order, for assertions on the wire format. */
  readonly calls: readonly FakeKmsCall[];
  /** Requests refused for a bad or missing signature. */
  readonly rejectedRequests: number;
  close(): Promise<void>;
}

interface FakeKey {
  readonly versions: Map<string, Buffer>;
  currentVersionId: string;
}

const API_PREFIX = '/20180608/';
const MAX_BODY_BYTES = 64 * 1024;
/** OCI's limit for the plaintext of one encrypt call. */
const MAX_PLAINTEXT_BYTES = 4096;
const AES_GCM = 'AES_256_GCM';
const BLOB_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export async function startFakeOciKms(options: FakeOciKmsOptions): Promise<FakeOciKms> {
  const keys = new Map<string, FakeKey>();
  const calls: FakeKmsCall[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse, body: Buffer): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    if (request.method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'Only POST is served');
    const details = parseJson(body);
    calls.push({ path, body: details });
    if (path === `${API_PREFIX}encrypt`) return sendJson(response, 200, encrypt(details));
    if (path === `${API_PREFIX}decrypt`) return sendJson(response, 200, decrypt(details));
    throw new HttpError(404, 'NotFound', 'Unknown path');
  }

  function encrypt(details: Record<string, unknown>) {
    const keyId = requireString(details, 'keyId');
    const key = findKey(keyId);
    requireAes(details);
    const plaintext = decodeBase64(requireString(details, 'plaintext'), 'plaintext');
    if (plaintext.length === 0 || plaintext.length > MAX_PLAINTEXT_BYTES) {
      throw new HttpError(400, 'InvalidParameter', `plaintext must hold 1 to ${MAX_PLAINTEXT_BYTES} bytes`);
    }
    const keyVersionId = optionalString(details, 'keyVersionId') ?? key.currentVersionId;
    const secret = key.versions.get(keyVersionId);
    if (secret === undefined) throw new HttpError(404, 'NotAuthorizedOrNotFound', 'Key version not found');

    const versionBytes = Buffer.from(keyVersionId, 'utf8');
    const header = Buffer.concat([Buffer.of(BLOB_VERSION), u16(versionBytes.length), versionBytes]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', secret, iv).setAAD(
      additionalData(header, keyId, details.associatedData),
    );
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      ciphertext: Buffer.concat([header, iv, cipher.getAuthTag(), sealed]).toString('base64'),
      keyId,
      keyVersionId,
      encryptionAlgorithm: AES_GCM,
    };
  }

  function decrypt(details: Record<string, unknown>) {
    const keyId = requireString(details, 'keyId');
    const key = findKey(keyId);
    requireAes(details);
    const blob = decodeBase64(requireString(details, 'ciphertext'), 'ciphertext');
    const invalid = () => new HttpError(400, 'InvalidParameter', 'The ciphertext is invalid');
    if (blob.length < 3 || blob[0] !== BLOB_VERSION) throw invalid();
    const versionEnd = 3 + blob.readUInt16BE(1);
    const header = blob.subarray(0, versionEnd);
    const keyVersionId = blob.subarray(3, versionEnd).toString('utf8');
    const secret = key.versions.get(keyVersionId);
    const requestedVersion = optionalString(details, 'keyVersionId');
    if (secret === undefined || blob.length < versionEnd + IV_BYTES + TAG_BYTES) throw invalid();
    if (requestedVersion !== undefined && requestedVersion !== keyVersionId) throw invalid();

    const iv = blob.subarray(versionEnd, versionEnd + IV_BYTES);
    const tag = blob.subarray(versionEnd + IV_BYTES, versionEnd + IV_BYTES + TAG_BYTES);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', secret, iv, { authTagLength: TAG_BYTES })
        .setAAD(additionalData(header, keyId, details.associatedData))
        .setAuthTag(tag);
      plaintext = Buffer.concat([
        decipher.update(blob.subarray(versionEnd + IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw invalid();
    }
    return {
      plaintext: plaintext.toString('base64'),
      plaintextChecksum: String(crc32(plaintext)),
      keyId,
      keyVersionId,
      encryptionAlgorithm: AES_GCM,
    };
  }

  function findKey(keyId: string): FakeKey {
    const key = keys.get(keyId);
    if (key === undefined)
      throw new HttpError(404, 'NotAuthorizedOrNotFound', 'Key not found or not authorized');
    return key;
  }

  function newVersion(key: FakeKey, keyId: string): string {
    const versionId = `${keyId.replace('ocid1.key.', 'ocid1.keyversion.')}.v${key.versions.size + 1}`;
    key.versions.set(versionId, randomBytes(32));
    key.currentVersionId = versionId;
    return versionId;
  }

  const server = await startOciFakeServer({ ...options, maxBodyBytes: MAX_BODY_BYTES, handle });

  return {
    endpoint: server.endpoint,
    createKey(keyId) {
      const key: FakeKey = { versions: new Map(), currentVersionId: '' };
      keys.set(keyId, key);
      return newVersion(key, keyId);
    },
    rotateKey(keyId) {
      return newVersion(findKey(keyId), keyId);
    },
    calls,
    get rejectedRequests() {
      return server.rejectedRequests;
    },
    close: () => server.close(),
  };
}

/** Binds the ciphertext to its header, its key and the caller's associatedData (as OCI binds context). */
function additionalData(header: Buffer, keyId: string, associatedData: unknown): Buffer {
  const context =
    typeof associatedData === 'object' && associatedData !== null
      ? Object.entries(associatedData).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      : [];
  return Buffer.concat([header, Buffer.from(JSON.stringify([keyId, context]))]);
}

function requireAes(details: Record<string, unknown>): void {
  const algorithm = details.encryptionAlgorithm;
  if (algorithm !== undefined && algorithm !== AES_GCM) {
    throw new HttpError(400, 'InvalidParameter', 'This fake holds AES keys only');
  }
}

function requireString(details: Record<string, unknown>, name: string): string {
  const value = details[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw new HttpError(400, 'InvalidParameter', `${name} must be a non-empty string`);
  }
  return value;
}

function optionalString(details: Record<string, unknown>, name: string): string | undefined {
  return details[name] === undefined ? undefined : requireString(details, name);
}

function decodeBase64(text: string, name: string): Buffer {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new HttpError(400, 'InvalidParameter', `${name} must be base64`);
  }
  return Buffer.from(text, 'base64');
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16BE(value);
  return buffer;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, type OciSigningOptions, sendJson, startOciFakeServer } from './oci-fake-http.ts';

/**
 * A local OCI Secrets retrieval endpoint (API 20190301), speaking the wire format the
 * `oci-secrets` SecretsClient sends (checked against node_modules/oci-secrets/lib/client.js and
 * its SecretBundle model):
 *
 *   GET /20190301/secretbundles/{secretId}?stage=CURRENT|PREVIOUS|LATEST  (or ?versionNumber=n)
 *       -> {secretId, versionNumber, stages[], timeCreated, secretBundleContent:{contentType:"BASE64", content}}
 *
 * No selector means CURRENT, as the service documents. Every request must carry a valid OCI
 * signature; with resource principals the keyId is `ST$<RPST>`, so tests register that keyId
 * with the session public key. An unknown secret is 404 NotAuthorizedOrNotFound, as OCI answers
 * for both "absent" and "not allowed".
 */
export type FakeOciSecretsOptions = OciSigningOptions;

export interface FakeOciSecrets {
  /** Base URL for OCI_SECRETS_ENDPOINT (without the API version). */
  readonly endpoint: string;
  /** Adds a version holding `content` and makes it CURRENT (the previous one becomes PREVIOUS). */
  putSecret(secretId: string, content: string): number;
  /** Secret ids requested, in order (authenticated requests only). */
  readonly requests: readonly { readonly secretId: string; readonly query: string }[];
  readonly rejectedRequests: number;
  close(): Promise<void>;
}

interface SecretVersion {
  readonly versionNumber: number;
  readonly content: string;
  readonly timeCreated: string;
}

const API_PREFIX = '/20190301/secretbundles/';
const STAGES = new Set(['CURRENT', 'PENDING', 'LATEST', 'PREVIOUS', 'DEPRECATED']);

export async function startFakeOciSecrets(options: FakeOciSecretsOptions): Promise<FakeOciSecrets> {
  const secrets = new Map<string, SecretVersion[]>();
  const requests: { secretId: string; query: string }[] = [];

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (!url.pathname.startsWith(API_PREFIX)) throw new HttpError(404, 'NotFound', 'Unknown path');
    if (request.method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', 'Only GET is served');
    const secretId = decodeURIComponent(url.pathname.slice(API_PREFIX.length));
    requests.push({ secretId, query: url.search });
    const versions = secrets.get(secretId);
    if (versions === undefined || versions.length === 0) {
      throw new HttpError(404, 'NotAuthorizedOrNotFound', 'Secret not found or not authorized');
    }
    const version = select(versions, url.searchParams);
    const latest = versions.length;
    const stages = [
      ...(version.versionNumber === latest ? ['CURRENT', 'LATEST'] : []),
      ...(version.versionNumber === latest - 1 ? ['PREVIOUS'] : []),
    ];
    sendJson(response, 200, {
      secretId,
      versionNumber: version.versionNumber,
      stages,
      timeCreated: version.timeCreated,
      secretBundleContent: {
        contentType: 'BASE64',
        content: Buffer.from(version.content, 'utf8').toString('base64'),
      },
    });
  }

  function select(versions: readonly SecretVersion[], query: URLSearchParams): SecretVersion {
    const notFound = () => new HttpError(404, 'NotAuthorizedOrNotFound', 'No such secret version');
    const number = query.get('versionNumber');
    if (number !== null) {
      const version = versions[Number(number) - 1];
      if (!/^[1-9][0-9]*$/.test(number) || version === undefined) throw notFound();
      return version;
    }
    const stage = query.get('stage') ?? 'CURRENT';
    if (!STAGES.has(stage)) throw new HttpError(400, 'InvalidParameter', `Unknown stage ${stage}`);
    const index = stage === 'PREVIOUS' ? versions.length - 2 : versions.length - 1;
    const version =
      stage === 'CURRENT' || stage === 'LATEST' || stage === 'PREVIOUS' ? versions[index] : undefined;
    if (version === undefined) throw notFound();
    return version;
  }

  const server = await startOciFakeServer({ ...options, maxBodyBytes: 1024, handle });
  return {
    endpoint: server.endpoint,
    putSecret(secretId, content) {
      const versions = secrets.get(secretId) ?? [];
      versions.push({ versionNumber: versions.length + 1, content, timeCreated: new Date().toISOString() });
      secrets.set(secretId, versions);
      return versions.length;
    },
    requests,
    get rejectedRequests() {
      return server.rejectedRequests;
    },
    close: () => server.close(),
  };
}

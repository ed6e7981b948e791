import { SECRET_CONFIG_KEYS, type SecretConfigKey, secretOcidKey } from '../config/secret-keys.ts';
import { ConfigError } from '../errors.ts';

/** Reads the current content of one Vault secret, decoded to text. */
export type SecretFetcher = (secretOcid: string) => Promise<string>;

/** A secret config key whose value lives in Vault, named by `<KEY>_SECRET_OCID`. */
export interface SecretReference {
  readonly key: SecretConfigKey;
  readonly ocidVariable: string;
  readonly secretOcid: string;
}

const OCID_SUFFIX = '_SECRET_OCID';
const SECRET_OCID_SHAPE = /^ocid1\.vaultsecret\.[a-z0-9-]+\.[a-z0-9-]*\.[a-z0-9._-]+$/i;
/** Vault caps a secret bundle at 25 KB; anything past this is not a config value. */
const MAX_SECRET_CHARS = 32 * 1024;
const DEFAULT_CONCURRENCY = 4;

/**
 * The secret references in `env`. Only keys listed in SECRET_CONFIG_KEYS may be references: an
 * unknown `*_SECRET_OCID` is refused rather than ignored, because it is either a typo (the secret
 * the function needs would silently stay unset) or a secret the logger and the catalog do not know
 * to treat as one. A key set both plainly and by reference is ambiguous and refused too.
 */
export function findSecretReferences(env: Readonly<Record<string, string | undefined>>): SecretReference[] {
  const known = new Set<string>(SECRET_CONFIG_KEYS);
  const references: SecretReference[] = [];
  for (const [variable, value] of Object.entries(env)) {
    if (!variable.endsWith(OCID_SUFFIX) || isBlank(value)) continue;
    const key = variable.slice(0, -OCID_SUFFIX.length);
    if (!known.has(key)) {
      throw new ConfigError(`${variable} names no secret config key (see shared/config/secret-keys.ts)`, [
        variable,
      ]);
    }
    const secretKey = key as SecretConfigKey;
    if (!isBlank(env[secretKey])) {
      throw new ConfigError(`${secretKey} is set both directly and through ${variable}; set only one`, [
        secretKey,
        variable,
      ]);
    }
    const secretOcid = (value ?? '').trim();
    if (!SECRET_OCID_SHAPE.test(secretOcid)) {
      throw new ConfigError(`${variable} is invalid: not a Vault secret OCID`, [variable]);
    }
    references.push({ key: secretKey, ocidVariable: secretOcidKey(secretKey), secretOcid });
  }
  return references;
}

/**
 * Fetches every referenced secret (a few at a time) and writes its content to `env[KEY]`, before
 * any config is read. A failure names the key and the OCID variable, never a value; the cause
 * carries the service's answer.
 */
export async function resolveSecretReferences(
  env: Record<string, string | undefined>,
  fetcher: SecretFetcher,
  options: { readonly concurrency?: number } = {},
): Promise<readonly SecretConfigKey[]> {
  const references = findSecretReferences(env);
  const resolved = new Map<SecretConfigKey, string>();
  const pending = [...references];
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      resolved.set(next.key, await fetchOne(next, fetcher));
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, references.length));
  const outcomes = await Promise.allSettled(Array.from({ length: workers }, worker));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  // All or nothing: a half-resolved environment would fail later with a less useful message.
  for (const [key, value] of resolved) env[key] = value;
  return references.map((reference) => reference.key);
}

async function fetchOne(reference: SecretReference, fetcher: SecretFetcher): Promise<string> {
  let content: string;
  try {
    content = await fetcher(reference.secretOcid);
  } catch (err) {
    throw new ConfigError(
      `${reference.key} could not be read from OCI Vault (${reference.ocidVariable}): ${failureSummary(err)}`,
      [reference.key, reference.ocidVariable],
      { cause: err },
    );
  }
  if (content.trim() === '' || content.length > MAX_SECRET_CHARS) {
    throw new ConfigError(
      `${reference.key} from OCI Vault (${reference.ocidVariable}) is empty or longer than ${MAX_SECRET_CHARS} characters`,
      [reference.key, reference.ocidVariable],
    );
  }
  return content;
}

/** What went wrong, from the error's type and status only: a message could quote the request. */
function failureSummary(err: unknown): string {
  const status = (err as { statusCode?: unknown }).statusCode;
  const code = (err as { serviceCode?: unknown }).serviceCode;
  if (typeof status === 'number') return `HTTP ${status}${typeof code === 'string' ? ` ${code}` : ''}`;
  return err instanceof Error ? err.name : 'unknown error';
}

function isBlank(value: string | undefined): boolean {
  return value === undefined || value.trim() === '';
}

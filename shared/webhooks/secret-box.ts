import type { KeyWrapper } from '#shared/crypto/key-wrapper.ts';
import { newSigningSecret, SECRET_BYTES, secretText } from './signature.ts';

/** A signing secret as stored: wrapped by the platform key wrapper, and which master key did it. */
export interface WrappedSecret {
  readonly wrapped: Buffer;
  readonly keyRef: string;
}

/**
 * Signing secrets at rest. A secret has to be recovered to sign (unlike an API key, it cannot be
 * kept as a hash), so its random bytes are wrapped by the same envelope key wrapper that protects
 * design data keys: the local master key in the local cloud, OCI Vault in production.
 *
 * Unwrapped secrets are cached per process by their wrapped bytes: on OCI each unwrap is a Vault
 * call, and a dispatcher signs thousands of deliveries with a handful of secrets. The cache holds
 * no more than `maxCached` entries and is never logged.
 */
export class SecretBox {
  private readonly cache = new Map<string, string>();
  private readonly wrapper: KeyWrapper;
  private readonly maxCached: number;

  constructor(wrapper: KeyWrapper, maxCached = 1000) {
    this.wrapper = wrapper;
    this.maxCached = maxCached;
  }

  /** A new secret: its text (shown once, never stored) and its wrapped form (stored). */
  async create(): Promise<{ text: string; stored: WrappedSecret }> {
    const secret = newSigningSecret();
    const wrapped = await this.wrapper.wrap(secret.bytes);
    this.remember(wrapped, secret.text);
    return { text: secret.text, stored: { wrapped, keyRef: this.wrapper.keyRef } };
  }

  async open(stored: WrappedSecret): Promise<string> {
    const key = stored.wrapped.toString('base64');
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const bytes = await this.wrapper.unwrap(stored.wrapped);
    if (bytes.length !== SECRET_BYTES) throw new RangeError('An unwrapped webhook secret has the wrong size');
    const text = secretText(bytes);
    this.remember(stored.wrapped, text);
    return text;
  }

  private remember(wrapped: Buffer, text: string): void {
    if (this.cache.size >= this.maxCached) this.cache.clear();
    this.cache.set(wrapped.toString('base64'), text);
  }
}

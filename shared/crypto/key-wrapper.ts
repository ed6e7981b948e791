/**
 * Envelope encryption port: each design is encrypted with its own data key, and only the
 * data key is wrapped by a master key (local secret or OCI Vault). The wrapped key is stored
 * next to the object together with `keyRef`, so an object can still be unwrapped after the
 * master key rotates.
 */
export interface KeyWrapper {
  /** Identifies the master key (and version, where known) that `wrap` uses. */
  readonly keyRef: string;
  wrap(dataKey: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
}

/** Wrapping or unwrapping failed: tampered or foreign wrapped key, bad master key, or key service error. */
export class KeyWrapError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'KeyWrapError';
  }
}

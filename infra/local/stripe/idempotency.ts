export interface RememberedResponse {
  readonly status: number;
  readonly body: string;
}

interface Entry extends RememberedResponse {
  readonly endpoint: string;
  readonly fingerprint: string;
}

export type IdempotencyVerdict =
  | { readonly kind: 'new' }
  | { readonly kind: 'replay'; readonly response: RememberedResponse }
  | { readonly kind: 'conflict' };

/**
 * Stripe's Idempotency-Key rule: the first answer to a key is replayed for the same endpoint and
 * parameters, and a different request under the same key is an idempotency_error. Bounded: the
 * oldest keys are forgotten first (Stripe forgets them after 24 hours).
 */
export class IdempotencyKeys {
  readonly #entries = new Map<string, Entry>();
  readonly #capacity: number;

  constructor(capacity = 100_000) {
    this.#capacity = capacity;
  }

  check(key: string, endpoint: string, fingerprint: string): IdempotencyVerdict {
    const entry = this.#entries.get(key);
    if (!entry) return { kind: 'new' };
    if (entry.endpoint !== endpoint || entry.fingerprint !== fingerprint) return { kind: 'conflict' };
    return { kind: 'replay', response: { status: entry.status, body: entry.body } };
  }

  remember(key: string, endpoint: string, fingerprint: string, response: RememberedResponse): void {
    this.#entries.set(key, { endpoint, fingerprint, ...response });
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}

/**
 * Where the local provider keeps its own short-lived state (interactions, authorization codes,
 * its sessions and grants): memory. A restart of the local cloud signs people out of the
 * provider, not of the portal, whose sessions are in MariaDB. (oidc-provider's built-in memory
 * adapter does the same but warns on every start that it is for quick starts.)
 */
type Payload = Record<string, unknown> & {
  grantId?: string;
  uid?: string;
  userCode?: string;
  consumed?: number;
};

const stores = new Map<string, Map<string, { payload: Payload; expiresAt: number }>>();

export class LocalMemoryAdapter {
  private readonly store: Map<string, { payload: Payload; expiresAt: number }>;

  constructor(name: string) {
    const existing = stores.get(name);
    this.store = existing ?? new Map();
    if (!existing) stores.set(name, this.store);
  }

  async upsert(id: string, payload: Payload, expiresIn?: number): Promise<void> {
    this.sweep();
    const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
    this.store.set(id, { payload, expiresAt });
  }

  async find(id: string): Promise<Payload | undefined> {
    const entry = this.store.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      this.store.delete(id);
      return undefined;
    }
    return entry.payload;
  }

  async findByUid(uid: string): Promise<Payload | undefined> {
    for (const [id, entry] of this.store) if (entry.payload.uid === uid) return this.find(id);
    return undefined;
  }

  async findByUserCode(userCode: string): Promise<Payload | undefined> {
    for (const [id, entry] of this.store) if (entry.payload.userCode === userCode) return this.find(id);
    return undefined;
  }

  async consume(id: string): Promise<void> {
    const entry = this.store.get(id);
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id: string): Promise<void> {
    this.store.delete(id);
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    for (const store of stores.values()) {
      for (const [id, entry] of store) if (entry.payload.grantId === grantId) store.delete(id);
    }
  }

  /** Drops what expired, so a long-running local cloud does not grow without bound. */
  private sweep(): void {
    if (this.store.size < 1000) return;
    const now = Date.now();
    for (const [id, entry] of this.store) if (entry.expiresAt <= now) this.store.delete(id);
  }
}

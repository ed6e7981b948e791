/**
 * The transcoder pool as a fixed set of members that can be started and stopped: Container
 * Instances declared by Terraform in OCI, worker slots of the local cloud. Members are never
 * created or deleted here. `start` and `stop` only ask: a member moves through `starting` or
 * `stopping` on its own, and asking again (or asking a member already there) changes nothing.
 */
export type PoolMemberState = 'running' | 'starting' | 'stopping' | 'stopped' | 'failed';

export interface PoolMember {
  readonly id: string;
  readonly state: PoolMemberState;
}

export interface ContainerPool {
  list(): Promise<readonly PoolMember[]>;
  start(id: string): Promise<void>;
  stop(id: string): Promise<void>;
}

/** The pool's control plane refused or failed a request. */
export class PoolControlError extends Error {
  readonly status: number | undefined;
  constructor(message: string, options?: { status?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PoolControlError';
    this.status = options?.status;
  }
}

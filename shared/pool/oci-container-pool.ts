import type { AuthenticationDetailsProvider } from 'oci-common';
import type { ContainerInstanceClient } from 'oci-containerinstances';
import { commonJsExports } from '../base/commonjs.ts';
import { lazyOnce } from '../base/lazy.ts';
import {
  type ContainerPool,
  PoolControlError,
  type PoolMember,
  type PoolMemberState,
} from './container-pool.ts';

export interface OciContainerPoolOptions {
  readonly compartmentId: string;
  /** Members carry this freeform tag, e.g. `forgecast-pool` = `transcoder`. */
  readonly tag: { readonly key: string; readonly value: string };
  readonly authenticationDetailsProvider: AuthenticationDetailsProvider;
  /** Overrides the regional `https://compute-containers.<region>.oci.oraclecloud.com` (tests). */
  readonly endpoint?: string;
  /** Instances per ListContainerInstances page (100 when omitted). */
  readonly pageSize?: number;
}

/**
 * Container Instances lifecycle states as pool states. OCI reports a power action in progress as
 * UPDATING without saying which way it goes; it counts as `starting` (capacity on its way), so
 * the scaler never starts a second member for one it just started, and is never chosen to stop.
 * A stop in progress is thus briefly over-counted, until the instance reads INACTIVE.
 */
const STATES: Readonly<Record<string, PoolMemberState>> = {
  CREATING: 'starting',
  UPDATING: 'starting',
  ACTIVE: 'running',
  INACTIVE: 'stopped',
  FAILED: 'failed',
};
/** The API's page size cap; a pool is a handful of instances, a compartment may hold more. */
const PAGE_LIMIT = 100;
const MAX_PAGES = 20;

/**
 * The pool port on OCI Container Instances (API 20210415): ListContainerInstances in the
 * compartment, filtered here by the pool's freeform tag (the API has no tag filter); the start
 * and stop power actions. OCI documents both actions as "no effect" on an instance that is not
 * INACTIVE (start) or ACTIVE (stop) and answers 202 either way, so repeating one is harmless;
 * a 409 (an action already running on the instance) is treated the same way.
 */
export class OciContainerPool implements ContainerPool {
  readonly #options: OciContainerPoolOptions;

  constructor(options: OciContainerPoolOptions) {
    this.#options = options;
  }

  async list(): Promise<readonly PoolMember[]> {
    const client = await this.#containerClient();
    const members: PoolMember[] = [];
    let page: string | undefined;
    for (let count = 0; count < MAX_PAGES; count += 1) {
      const response = await call('ListContainerInstances', () =>
        client.listContainerInstances({
          compartmentId: this.#options.compartmentId,
          limit: this.#options.pageSize ?? PAGE_LIMIT,
          ...(page ? { page } : {}),
        }),
      );
      for (const instance of response.containerInstanceCollection.items) {
        if (instance.freeformTags?.[this.#options.tag.key] !== this.#options.tag.value) continue;
        const state = STATES[instance.lifecycleState];
        // DELETING and DELETED instances linger in the list for a while; they are not members.
        if (state) members.push({ id: instance.id, state });
      }
      page = response.opcNextPage;
      if (!page) return members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    throw new PoolControlError(`ListContainerInstances returned more than ${MAX_PAGES} pages`);
  }

  async start(id: string): Promise<void> {
    const client = await this.#containerClient();
    await powerAction('StartContainerInstance', () =>
      client.startContainerInstance({ containerInstanceId: id }),
    );
  }

  async stop(id: string): Promise<void> {
    const client = await this.#containerClient();
    await powerAction('StopContainerInstance', () =>
      client.stopContainerInstance({ containerInstanceId: id }),
    );
  }

  /** `oci-containerinstances` is imported on first use, keeping it off the cold-start path. */
  readonly #containerClient = lazyOnce(() =>
    import('oci-containerinstances').then((loaded): ContainerInstanceClient => {
      const { ContainerInstanceClient } = commonJsExports(loaded);
      const client = new ContainerInstanceClient({
        authenticationDetailsProvider: this.#options.authenticationDetailsProvider,
      });
      if (this.#options.endpoint) client.endpoint = this.#options.endpoint.replace(/\/+$/, '');
      return client;
    }),
  );
}

/** A power action; a 409 (another action in progress on the instance) leaves it to that action. */
async function powerAction(operation: string, request: () => Promise<unknown>): Promise<void> {
  try {
    await call(operation, request);
  } catch (err) {
    if (err instanceof PoolControlError && err.status === 409) return;
    throw err;
  }
}

async function call<T>(operation: string, request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (err) {
    const status = (err as { statusCode?: unknown }).statusCode;
    throw new PoolControlError(
      `OCI Container Instances ${operation} failed${typeof status === 'number' ? ` (${status})` : ''}`,
      { ...(typeof status === 'number' ? { status } : {}), cause: err },
    );
  }
}

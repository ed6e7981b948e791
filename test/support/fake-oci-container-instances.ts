import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  HttpError,
  type OciSigningOptions,
  opcRequestId,
  sendJson,
  startOciFakeServer,
} from './oci-fake-http.ts';

/**
 * A local OCI Container Instances endpoint (API 20210415), speaking the wire format the
 * `oci-containerinstances` ContainerInstanceClient sends (checked against
 * node_modules/oci-containerinstances/lib/client.js and its ContainerInstanceSummary model):
 *
 *   GET  /20210415/containerInstances?compartmentId&limit&page      -> {items:[ContainerInstanceSummary]}
 *                                                                     (opc-next-page header while more remain)
 *   POST /20210415/containerInstances/{id}/actions/start             -> 202 (opc-work-request-id)
 *   POST /20210415/containerInstances/{id}/actions/stop              -> 202
 *
 * Power actions follow the documented rule: start acts on an INACTIVE instance, stop on an ACTIVE
 * one, and either is accepted with "no effect otherwise". An accepted action moves the instance
 * to UPDATING until the test calls `completeTransitions()` (no timers, so no timed assertions).
 */
export type FakeContainerInstancesOptions = OciSigningOptions;

export type FakeLifecycleState =
  | 'CREATING'
  | 'UPDATING'
  | 'ACTIVE'
  | 'INACTIVE'
  | 'DELETING'
  | 'DELETED'
  | 'FAILED';

export interface FakeInstanceSpec {
  readonly id: string;
  readonly compartmentId: string;
  readonly lifecycleState: FakeLifecycleState;
  readonly freeformTags?: Readonly<Record<string, string>>;
}

export interface FakePowerAction {
  readonly id: string;
  readonly action: 'start' | 'stop';
  /** False when the documented "no effect otherwise" applied. */
  readonly effective: boolean;
}

export interface FakeContainerInstances {
  readonly endpoint: string;
  addInstance(spec: FakeInstanceSpec): void;
  stateOf(id: string): FakeLifecycleState | undefined;
  /** Finishes every power action in progress (UPDATING -> ACTIVE or INACTIVE). */
  completeTransitions(): void;
  readonly actions: readonly FakePowerAction[];
  readonly rejectedRequests: number;
  close(): Promise<void>;
}

interface FakeInstance {
  readonly spec: FakeInstanceSpec;
  readonly timeCreated: string;
  state: FakeLifecycleState;
  target: FakeLifecycleState | undefined;
}

const API_PREFIX = '/20210415/containerInstances';
const MAX_PAGE = 1000;

export async function startFakeContainerInstances(
  options: FakeContainerInstancesOptions,
): Promise<FakeContainerInstances> {
  const instances = new Map<string, FakeInstance>();
  const actions: FakePowerAction[] = [];
  let workRequests = 0;

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    if (url.pathname === API_PREFIX && request.method === 'GET') {
      return list(url.searchParams, response);
    }
    const action = url.pathname.match(/^\/20210415\/containerInstances\/([^/]+)\/actions\/(start|stop)$/);
    if (action && request.method === 'POST') {
      return power(decodeURIComponent(action[1] ?? ''), action[2] as 'start' | 'stop', response);
    }
    throw new HttpError(404, 'NotFound', 'Unknown path');
  }

  function list(query: URLSearchParams, response: ServerResponse): void {
    const compartmentId = query.get('compartmentId');
    if (!compartmentId) throw new HttpError(400, 'InvalidParameter', 'compartmentId is required');
    const limit = Number(query.get('limit') ?? MAX_PAGE);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) {
      throw new HttpError(400, 'InvalidParameter', `limit must be 1 to ${MAX_PAGE}`);
    }
    const start = Number(query.get('page') ?? 0);
    const matching = [...instances.values()]
      .filter((instance) => instance.spec.compartmentId === compartmentId)
      .filter((instance) => !query.has('lifecycleState') || instance.state === query.get('lifecycleState'));
    const page = matching.slice(start, start + limit);
    const items = page.map((instance) => ({
      id: instance.spec.id,
      displayName: instance.spec.id.split('.').at(-1),
      compartmentId,
      freeformTags: instance.spec.freeformTags ?? {},
      definedTags: {},
      systemTags: {},
      availabilityDomain: 'Uocm:PHX-AD-1',
      lifecycleState: instance.state,
      timeCreated: instance.timeCreated,
      shape: 'CI.Standard.A1.Flex',
      shapeConfig: { ocpus: 2, memoryInGBs: 8, processorDescription: 'Ampere Altra' },
      containerCount: 1,
      containerRestartPolicy: 'ALWAYS',
      gracefulShutdownTimeoutInSeconds: 30,
    }));
    const next = start + limit < matching.length ? String(start + limit) : undefined;
    if (next !== undefined) response.setHeader('opc-next-page', next);
    sendJson(response, 200, { items });
  }

  function power(id: string, action: 'start' | 'stop', response: ServerResponse): void {
    const instance = instances.get(id);
    if (!instance || instance.state === 'DELETED') {
      throw new HttpError(404, 'NotAuthorizedOrNotFound', 'Container instance not found or not authorized');
    }
    const from = action === 'start' ? 'INACTIVE' : 'ACTIVE';
    const effective = instance.state === from;
    if (effective) {
      instance.state = 'UPDATING';
      instance.target = action === 'start' ? 'ACTIVE' : 'INACTIVE';
    }
    actions.push({ id, action, effective });
    workRequests += 1;
    response
      .writeHead(202, {
        'opc-request-id': opcRequestId(),
        'opc-work-request-id': `ocid1.computecontainerworkrequest.oc1.phx.fake${workRequests}`,
      })
      .end();
  }

  const server = await startOciFakeServer({ ...options, maxBodyBytes: 16 * 1024, handle });
  return {
    endpoint: server.endpoint,
    addInstance(spec) {
      instances.set(spec.id, {
        spec,
        timeCreated: new Date().toISOString(),
        state: spec.lifecycleState,
        target: undefined,
      });
    },
    stateOf: (id) => instances.get(id)?.state,
    completeTransitions() {
      for (const instance of instances.values()) {
        if (instance.target) {
          instance.state = instance.target;
          instance.target = undefined;
        }
      }
    },
    actions,
    get rejectedRequests() {
      return server.rejectedRequests;
    },
    close: () => server.close(),
  };
}

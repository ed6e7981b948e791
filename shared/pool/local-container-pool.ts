import {
  type ContainerPool,
  PoolControlError,
  type PoolMember,
  type PoolMemberState,
} from './container-pool.ts';

const STATES = new Set<PoolMemberState>(['running', 'starting', 'stopping', 'stopped', 'failed']);
const REQUEST_TIMEOUT_MS = 5_000;
const MAX_RESPONSE_CHARS = 64 * 1024;

/**
 * The pool port over the local cloud's pool control API (infra/local/pool-control.ts), a
 * loopback HTTP stand-in for the Container Instances start/stop actions:
 *
 *   GET  /members                -> {members: [{id, state}]}
 *   POST /members/{id}/start     -> 202
 *   POST /members/{id}/stop      -> 202
 */
export function createLocalContainerPool(controlUrl: string): ContainerPool {
  const base = controlUrl.replace(/\/+$/, '');

  async function request(method: 'GET' | 'POST', path: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, { method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    } catch (err) {
      throw new PoolControlError(`pool control ${method} ${path} failed`, { cause: err });
    }
    const text = await response.text();
    if (!response.ok) {
      throw new PoolControlError(`pool control ${method} ${path} answered ${response.status}`, {
        status: response.status,
      });
    }
    if (text.length > MAX_RESPONSE_CHARS) throw new PoolControlError('pool control answer too large');
    return text === '' ? undefined : JSON.parse(text);
  }

  return {
    async list(): Promise<readonly PoolMember[]> {
      const body = (await request('GET', '/members')) as { members?: unknown } | undefined;
      if (!Array.isArray(body?.members)) throw new PoolControlError('pool control listed no members');
      return body.members.map((member: unknown) => {
        const { id, state } = (member ?? {}) as { id?: unknown; state?: unknown };
        if (typeof id !== 'string' || !STATES.has(state as PoolMemberState)) {
          throw new PoolControlError('pool control listed a malformed member');
        }
        return { id, state: state as PoolMemberState };
      });
    },
    async start(id) {
      await request('POST', `/members/${encodeURIComponent(id)}/start`);
    },
    async stop(id) {
      await request('POST', `/members/${encodeURIComponent(id)}/stop`);
    },
  };
}

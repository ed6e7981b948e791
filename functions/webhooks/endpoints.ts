import type { DbPool } from '#shared/db/pool.ts';
import { CodedProblemError, NotFoundError } from '#shared/errors.ts';
import { newId } from '#shared/ids.ts';
import {
  type DeliveryRecord,
  parkEndpointDeliveries,
  resumeEndpointDeliveries,
} from '#shared/webhooks/delivery-repository.ts';
import {
  countOrgEndpoints,
  type EndpointChanges,
  findOrgEndpoint,
  insertEndpoint,
  rotateEndpointSecret,
  updateOrgEndpoint,
  type WebhookEndpoint,
} from '#shared/webhooks/endpoint-repository.ts';
import type { SecretBox } from '#shared/webhooks/secret-box.ts';
import { checkTarget, parseTargetUrl, type TargetPolicy } from '#shared/webhooks/target-policy.ts';
import { MAX_ENDPOINTS_PER_ORGANISATION } from './schema.ts';

export class EndpointLimitError extends CodedProblemError {
  constructor() {
    super(
      409,
      'webhook_endpoint_limit',
      'Too many webhook endpoints',
      `An organisation may register at most ${MAX_ENDPOINTS_PER_ORGANISATION} endpoints; delete one first`,
    );
  }
}

/** Checks a URL as a delivery would (form, then every address it resolves to); the normalised URL. */
async function acceptedUrl(raw: string, policy: TargetPolicy): Promise<string> {
  const url = parseTargetUrl(raw, policy);
  await checkTarget(url, policy);
  return url.toString();
}

export async function registerEndpoint(
  deps: { pool: DbPool; secrets: SecretBox; policy: TargetPolicy },
  orgId: string,
  input: { url: string; description?: string | undefined; eventTypes: readonly string[] },
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = await acceptedUrl(input.url, deps.policy);
  // A soft limit: two racing registrations may both pass; it bounds a runaway script, not an attacker.
  if ((await countOrgEndpoints(deps.pool, orgId)) >= MAX_ENDPOINTS_PER_ORGANISATION) {
    throw new EndpointLimitError();
  }
  const secret = await deps.secrets.create();
  const id = newId();
  await insertEndpoint(deps.pool, {
    id,
    orgId,
    url,
    description: input.description ?? null,
    eventTypes: input.eventTypes,
    secret: secret.stored,
  });
  const endpoint = await findOrgEndpoint(deps.pool, orgId, id);
  if (!endpoint) throw new Error(`The endpoint ${id} vanished right after its INSERT`);
  return { endpoint, secret: secret.text };
}

export async function changeEndpoint(
  deps: { pool: DbPool; policy: TargetPolicy },
  orgId: string,
  endpointId: string,
  input: {
    url?: string | undefined;
    description?: string | null | undefined;
    eventTypes?: readonly string[] | undefined;
    enabled?: boolean | undefined;
  },
): Promise<WebhookEndpoint> {
  const changes: EndpointChanges = {
    ...(input.url === undefined ? {} : { url: await acceptedUrl(input.url, deps.policy) }),
    ...(input.description === undefined ? {} : { description: input.description }),
    ...(input.eventTypes === undefined ? {} : { eventTypes: input.eventTypes }),
    ...(input.enabled === undefined ? {} : { enabled: input.enabled }),
  };
  if (!(await updateOrgEndpoint(deps.pool, orgId, endpointId, changes))) {
    throw new NotFoundError(`No webhook endpoint ${endpointId}`);
  }
  // Off: its deliveries leave the sender's queue; on again: the first of each aggregate is due now.
  if (input.enabled === false) await parkEndpointDeliveries(deps.pool, endpointId);
  if (input.enabled === true) await resumeEndpointDeliveries(deps.pool, endpointId);
  const endpoint = await findOrgEndpoint(deps.pool, orgId, endpointId);
  if (!endpoint) throw new NotFoundError(`No webhook endpoint ${endpointId}`);
  return endpoint;
}

export async function rotateSecret(
  deps: { pool: DbPool; secrets: SecretBox; overlapMs: number },
  orgId: string,
  endpointId: string,
): Promise<{ secret: string; previousSecretExpiresAt: Date }> {
  if (!(await findOrgEndpoint(deps.pool, orgId, endpointId))) {
    throw new NotFoundError(`No webhook endpoint ${endpointId}`);
  }
  const secret = await deps.secrets.create();
  const expiresAt = await rotateEndpointSecret(deps.pool, orgId, endpointId, secret.stored, deps.overlapMs);
  if (!expiresAt) throw new NotFoundError(`No webhook endpoint ${endpointId}`);
  return { secret: secret.text, previousSecretExpiresAt: expiresAt };
}

const iso = (date: Date | null) => (date === null ? null : date.toISOString());

export function presentEndpoint(endpoint: WebhookEndpoint) {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: [...endpoint.eventTypes],
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    disabledAt: iso(endpoint.disabledAt),
    failingSince: iso(endpoint.failingSince),
    previousSecretExpiresAt:
      endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt.getTime() > Date.now()
        ? endpoint.previousSecretExpiresAt.toISOString()
        : null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

export function presentDelivery(delivery: DeliveryRecord) {
  return {
    id: delivery.id,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    responseCode: delivery.lastStatusCode,
    latencyMs: delivery.lastLatencyMs,
    lastError: delivery.lastError,
    nextAttemptAt: delivery.status === 'pending' ? iso(delivery.nextAttemptAt) : null,
    createdAt: delivery.createdAt.toISOString(),
    finishedAt: iso(delivery.finishedAt),
  };
}

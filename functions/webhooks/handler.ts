import { keyWrapperFromConfig } from '#shared/crypto/key-wrapper-from-config.ts';
import { createPool } from '#shared/db/pool.ts';
import { NotFoundError } from '#shared/errors.ts';
import { type ApiRequest, parseJsonBody, validate } from '#shared/runtime/api.ts';
import { httpFunction } from '#shared/runtime/function.ts';
import { requireOrganisation, requirePrincipal, requireScope } from '#shared/runtime/principal.ts';
import { WebhookDeliverer } from '#shared/webhooks/deliverer.ts';
import { listEndpointDeliveries } from '#shared/webhooks/delivery-repository.ts';
import {
  deleteOrgEndpoint,
  findOrgEndpoint,
  listOrgEndpoints,
} from '#shared/webhooks/endpoint-repository.ts';
import { webhookEventTypeList } from '#shared/webhooks/event-types.ts';
import { SecretBox } from '#shared/webhooks/secret-box.ts';
import { delivererOptionsFromConfig } from '#shared/webhooks/webhook-config.ts';
import { loadWebhooksConfig } from './config.ts';
import {
  changeEndpoint,
  presentDelivery,
  presentEndpoint,
  registerEndpoint,
  rotateSecret,
} from './endpoints.ts';
import { webhooksManifest } from './manifest.ts';
import {
  createEndpointSchema,
  deliveryIdSchema,
  endpointIdSchema,
  listDeliveriesQuerySchema,
  updateEndpointSchema,
} from './schema.ts';

const config = loadWebhooksConfig();
const pool = createPool(config.MYSQL_URL, { connectionLimit: 2 });
const secrets = new SecretBox(keyWrapperFromConfig(config));
const delivererOptions = delivererOptionsFromConfig(config);
const policy = delivererOptions.sender;
const deliverer = new WebhookDeliverer(pool, secrets, delivererOptions);

/** Every route acts for the caller's organisation and needs webhooks:manage. */
function organisationOf(req: ApiRequest): string {
  const principal = requirePrincipal(req);
  requireScope(principal, 'webhooks:manage');
  return requireOrganisation(principal);
}

export const handler = httpFunction(webhooksManifest, () => ({
  listWebhookEventTypes: (req, res) => {
    organisationOf(req);
    res.json({ items: webhookEventTypeList() });
  },

  listWebhookEndpoints: async (req, res) => {
    const orgId = organisationOf(req);
    res.json({ items: (await listOrgEndpoints(pool, orgId)).map(presentEndpoint) });
  },

  createWebhookEndpoint: async (req, res) => {
    const orgId = organisationOf(req);
    const input = parseJsonBody(req, createEndpointSchema);
    const created = await registerEndpoint({ pool, secrets, policy }, orgId, input);
    res
      .status(201)
      .set('Cache-Control', 'no-store')
      .json({ ...presentEndpoint(created.endpoint), secret: created.secret });
  },

  getWebhookEndpoint: async (req, res) => {
    const orgId = organisationOf(req);
    const endpointId = validate(endpointIdSchema, req.params.endpointId, 'path');
    const endpoint = await findOrgEndpoint(pool, orgId, endpointId);
    if (!endpoint) throw new NotFoundError(`No webhook endpoint ${endpointId}`);
    res.json(presentEndpoint(endpoint));
  },

  updateWebhookEndpoint: async (req, res) => {
    const orgId = organisationOf(req);
    const endpointId = validate(endpointIdSchema, req.params.endpointId, 'path');
    const input = parseJsonBody(req, updateEndpointSchema);
    res.json(presentEndpoint(await changeEndpoint({ pool, policy }, orgId, endpointId, input)));
  },

  deleteWebhookEndpoint: async (req, res) => {
    const orgId = organisationOf(req);
    const endpointId = validate(endpointIdSchema, req.params.endpointId, 'path');
    if (!(await deleteOrgEndpoint(pool, orgId, endpointId))) {
      throw new NotFoundError(`No webhook endpoint ${endpointId}`);
    }
    res.status(204).end();
  },

  rotateWebhookSecret: async (req, res) => {
    const orgId = organisationOf(req);
    const endpointId = validate(endpointIdSchema, req.params.endpointId, 'path');
    const rotated = await rotateSecret(
      { pool, secrets, overlapMs: config.WEBHOOK_SECRET_OVERLAP_MS },
      orgId,
      endpointId,
    );
    res.set('Cache-Control', 'no-store').json({
      secret: rotated.secret,
      previousSecretExpiresAt: rotated.previousSecretExpiresAt.toISOString(),
    });
  },

  listWebhookDeliveries: async (req, res) => {
    const orgId = organisationOf(req);
    const endpointId = validate(endpointIdSchema, req.params.endpointId, 'path');
    const query = validate(listDeliveriesQuerySchema, req.query, 'query');
    if (!(await findOrgEndpoint(pool, orgId, endpointId))) {
      throw new NotFoundError(`No webhook endpoint ${endpointId}`);
    }
    const page = await listEndpointDeliveries(pool, endpointId, {
      limit: query.limit,
      ...(query.cursor === undefined ? {} : { before: query.cursor }),
    });
    res.json({ items: page.items.map(presentDelivery), nextCursor: page.next });
  },

  redeliverWebhook: async (req, res) => {
    const orgId = organisationOf(req);
    const deliveryId = validate(deliveryIdSchema, req.params.deliveryId, 'path');
    res.json(outcomeBody(await deliverer.redeliver(orgId, deliveryId)));
  },

  sendWebhookTestEvent: async (req, res) => {
    const orgId = organisationOf(req);
    const endpointId = validate(endpointIdSchema, req.params.endpointId, 'path');
    res.json(outcomeBody(await deliverer.sendTest(orgId, endpointId)));
  },
}));

const outcomeBody = (outcome: Awaited<ReturnType<WebhookDeliverer['sendTest']>>) => ({
  deliveryId: outcome.deliveryId,
  ok: outcome.ok,
  statusCode: outcome.statusCode,
  latencyMs: outcome.latencyMs,
  error: outcome.error,
});

/** The webhook routes (functions/webhooks) as the portal calls them. */
import { api } from '../../app/api.ts';
import type {
  AttemptOutcome,
  CreatedEndpoint,
  EndpointChanges,
  EndpointRequest,
  Page,
  RotatedSecret,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEventType,
} from './webhook-model.ts';
import {
  deliveriesPath,
  endpointPath,
  endpointsPath,
  eventTypesPath,
  redeliverPath,
} from './webhook-paths.ts';

const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

export const listEventTypes = async (signal?: AbortSignal) =>
  (await api.get<{ items: WebhookEventType[] }>(eventTypesPath, withSignal(signal))).items;

export const listEndpoints = async (signal?: AbortSignal) =>
  (await api.get<{ items: WebhookEndpoint[] }>(endpointsPath, withSignal(signal))).items;

export const getEndpoint = (id: string, signal?: AbortSignal) =>
  api.get<WebhookEndpoint>(endpointPath(id), withSignal(signal));

export const createEndpoint = (request: EndpointRequest) => api.post<CreatedEndpoint>(endpointsPath, request);

export const updateEndpoint = (id: string, changes: EndpointChanges) =>
  api.patch<WebhookEndpoint>(endpointPath(id), changes);

export const deleteEndpoint = (id: string) => api.delete(endpointPath(id));

export const rotateSecret = (id: string) => api.post<RotatedSecret>(`${endpointPath(id)}/rotate-secret`);

export const sendTestEvent = (id: string) => api.post<AttemptOutcome>(`${endpointPath(id)}/test`);

export const listDeliveries = (id: string, cursor: string | null, signal?: AbortSignal) =>
  api.get<Page<WebhookDelivery>>(deliveriesPath(id, cursor), withSignal(signal));

export const redeliver = (deliveryId: string) => api.post<AttemptOutcome>(redeliverPath(deliveryId));

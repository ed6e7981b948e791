/** The webhook routes (functions/webhooks) as the portal calls them; answers read by webhook-model.ts. */
import { api } from '../../app/api.ts';
import {
  deliveriesPath,
  type EndpointRequest,
  endpointPath,
  endpointsPath,
  eventTypesPath,
  readDeliveries,
  readEndpoint,
  readEndpoints,
  readEventTypes,
  readSecretAnswer,
  readTestOutcome,
  redeliverPath,
} from './webhook-model.ts';

const withSignal = (signal?: AbortSignal) => (signal ? { signal } : {});

export const listEventTypes = async (signal?: AbortSignal) =>
  readEventTypes(await api.get<unknown>(eventTypesPath, withSignal(signal)));

export const listEndpoints = async (signal?: AbortSignal) =>
  readEndpoints(await api.get<unknown>(endpointsPath, withSignal(signal)));

export const getEndpoint = async (id: string, signal?: AbortSignal) =>
  readEndpoint(await api.get<unknown>(endpointPath(id), withSignal(signal)));

export const createEndpoint = async (request: EndpointRequest) =>
  readSecretAnswer(await api.post<unknown>(endpointsPath, request));

export const updateEndpoint = async (
  id: string,
  changes: Partial<{ url: string; description: string; eventTypes: readonly string[]; enabled: boolean }>,
) => readEndpoint(await api.patch<unknown>(endpointPath(id), changes));

export const deleteEndpoint = (id: string) => api.delete(endpointPath(id));

export const rotateSecret = async (id: string) =>
  readSecretAnswer(await api.post<unknown>(`${endpointPath(id)}/rotate-secret`));

export const sendTestEvent = async (id: string) =>
  readTestOutcome(await api.post<unknown>(`${endpointPath(id)}/test`));

export const listDeliveries = async (id: string, cursor: string | null, signal?: AbortSignal) =>
  readDeliveries(await api.get<unknown>(deliveriesPath(id, cursor), withSignal(signal)));

export const redeliver = (deliveryId: string) => api.post<unknown>(redeliverPath(deliveryId));

/**
 * The webhook routes' paths, on their own because the router's first-load list needs them and
 * everything it imports is in every page's initial JavaScript.
 */
export const endpointsPath = '/webhook-endpoints';
export const eventTypesPath = '/webhook-event-types';
export const endpointPath = (id: string) => `/webhook-endpoints/${encodeURIComponent(id)}`;
export const deliveriesPath = (id: string, cursor: string | null) =>
  `${endpointPath(id)}/deliveries?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
export const redeliverPath = (deliveryId: string) =>
  `/webhook-deliveries/${encodeURIComponent(deliveryId)}/redeliver`;

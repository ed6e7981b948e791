/**
 * Node socket and DNS error codes that mean "the other side could not be reached or went away",
 * whichever client saw them (mysql2, fetch/undici, node:http, ethers).
 */
export const SOCKET_FAILURE_CODES: readonly string[] = [
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
];

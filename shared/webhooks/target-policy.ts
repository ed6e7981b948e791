import { lookup as dnsLookup, Resolver } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { log } from '#shared/base/log.ts';
import { CodedProblemError } from '#shared/errors.ts';

/**
 * Where a webhook may be sent. An integrator names the URL, so without these rules a delivery is a
 * request from inside our network to anywhere (SSRF): the metadata service, the database, a
 * neighbour's admin port. In production only https to public addresses is allowed; the local
 * cloud (`WEBHOOK_ALLOW_PRIVATE_TARGETS=true`) also allows http and private addresses, because its
 * receivers run on loopback.
 *
 * The check runs at registration and again at every delivery (DNS can change), and the delivery
 * connects to the very address that was checked (see `webhook-sender.ts`), so a name that
 * resolves to a public address for the check and to 127.0.0.1 for the connection (DNS
 * rebinding) cannot slip through.
 */
export interface TargetPolicy {
  readonly allowPrivateTargets: boolean;
  /** Resolves a host name to every address (tests pass their own). */
  readonly resolve?: (hostname: string) => Promise<readonly ResolvedAddress[]>;
}

export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** A URL the platform refuses to send to, with a stable reason code. */
export class WebhookUrlRefusedError extends CodedProblemError {
  readonly reason: RefusalReason;
  constructor(reason: RefusalReason, message: string, options: { cause?: unknown } = {}) {
    super(422, 'webhook_url_refused', 'Webhook URL refused', message, { reason });
    this.reason = reason;
    if (options.cause !== undefined) this.cause = options.cause;
  }
}

export type RefusalReason =
  | 'invalid_url'
  | 'https_required'
  | 'credentials_in_url'
  | 'port_not_allowed'
  | 'unresolvable_host'
  | AddressClass;

export type AddressClass =
  | 'unspecified'
  | 'loopback'
  | 'private'
  | 'link_local'
  | 'cgnat'
  | 'multicast'
  | 'unique_local'
  | 'reserved';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

// Ranges no webhook may reach, by the reason given. IPv4-mapped, NAT64 and 6to4 IPv6 forms are
// unwrapped to their IPv4 address first (see `embeddedIpv4`).
const V4_RANGES: ReadonlyArray<readonly [string, number, AddressClass]> = [
  ['0.0.0.0', 8, 'unspecified'],
  ['10.0.0.0', 8, 'private'],
  ['100.64.0.0', 10, 'cgnat'],
  ['127.0.0.0', 8, 'loopback'],
  ['169.254.0.0', 16, 'link_local'],
  ['172.16.0.0', 12, 'private'],
  ['192.0.0.0', 24, 'reserved'],
  ['192.0.2.0', 24, 'reserved'],
  ['192.88.99.0', 24, 'reserved'],
  ['192.168.0.0', 16, 'private'],
  ['198.18.0.0', 15, 'reserved'],
  ['198.51.100.0', 24, 'reserved'],
  ['203.0.113.0', 24, 'reserved'],
  ['224.0.0.0', 4, 'multicast'],
  ['240.0.0.0', 4, 'reserved'],
];
const V6_RANGES: ReadonlyArray<readonly [string, number, AddressClass]> = [
  ['::', 128, 'unspecified'],
  ['::1', 128, 'loopback'],
  // IPv4-compatible (deprecated) addresses: nothing legitimate uses them.
  ['::', 96, 'reserved'],
  ['fe80::', 10, 'link_local'],
  ['fec0::', 10, 'private'],
  ['fc00::', 7, 'unique_local'],
  ['ff00::', 8, 'multicast'],
  ['100::', 64, 'reserved'],
  ['2001:db8::', 32, 'reserved'],
  // Teredo tunnels (the client's IPv4 address inside, obfuscated) and local-use NAT64 (RFC 8215).
  ['2001::', 32, 'reserved'],
  ['64:ff9b:1::', 48, 'reserved'],
];

const blocked = new Map<AddressClass, BlockList>();
for (const [network, prefix, reason] of V4_RANGES) listFor(reason).addSubnet(network, prefix, 'ipv4');
for (const [network, prefix, reason] of V6_RANGES) listFor(reason).addSubnet(network, prefix, 'ipv6');

function listFor(reason: AddressClass): BlockList {
  let list = blocked.get(reason);
  if (!list) {
    list = new BlockList();
    blocked.set(reason, list);
  }
  return list;
}

/** Why an address may not be a webhook target, or undefined for a public address. */
export function classifyAddress(address: string): AddressClass | undefined {
  const family = isIP(address);
  if (family === 0) return 'reserved';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return classifyAddress(v4) ?? undefined;
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  // Most specific first: '::1' is loopback, not the '::/96' reserved block.
  const order: AddressClass[] = [
    'unspecified',
    'loopback',
    'link_local',
    'cgnat',
    'multicast',
    'unique_local',
    'private',
    'reserved',
  ];
  return order.find((reason) => blocked.get(reason)?.check(address, type));
}

/**
 * The IPv4 address an IPv6 address stands for, for forms that reach IPv4 hosts: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-translated (SIIT, ::ffff:0:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
 */
export function embeddedIpv4(address: string): string | undefined {
  const words = expandIpv6(address);
  if (!words) return undefined;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => words.slice(from, to).every((word) => word === 0);
  if (zeros(0, 5) && words[5] === 0xffff) return v4(words[6] ?? 0, words[7] ?? 0);
  if (zeros(0, 4) && words[4] === 0xffff && words[5] === 0) return v4(words[6] ?? 0, words[7] ?? 0);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return v4(words[6] ?? 0, words[7] ?? 0);
  if (words[0] === 0x2002) return v4(words[1] ?? 0, words[2] ?? 0);
  return undefined;
}

/** The eight 16-bit words of an IPv6 address (dotted IPv4 tails included), or undefined. */
function expandIpv6(address: string): number[] | undefined {
  if (isIP(address) !== 6) return undefined;
  let text = address.split('%')[0] ?? '';
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted?.[1]) {
    const [a, b, c, d] = dotted[1].split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted[1].length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) =>
    part === '' ? [] : part.split(':').map((word) => Number.parseInt(word, 16));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...Array<number>(Math.max(0, fill)).fill(0), ...right];
  return words.length === 8 ? words : undefined;
}

/** Parses and checks a URL's form (scheme, credentials, length): no DNS. */
export function parseTargetUrl(raw: string, policy: Pick<TargetPolicy, 'allowPrivateTargets'>): URL {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) {
    throw new WebhookUrlRefusedError(
      'invalid_url',
      `The URL is longer than ${MAX_WEBHOOK_URL_LENGTH} characters`,
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new WebhookUrlRefusedError('invalid_url', 'The URL is not a valid absolute URL', { cause });
  }
  const schemes = policy.allowPrivateTargets ? ['https:', 'http:'] : ['https:'];
  if (!schemes.includes(url.protocol)) {
    throw new WebhookUrlRefusedError('https_required', 'Webhook URLs must use https');
  }
  if (url.username !== '' || url.password !== '') {
    throw new WebhookUrlRefusedError('credentials_in_url', 'The URL must not carry a user name or password');
  }
  // In production only https's port and unprivileged ones: a webhook is not a way to probe a
  // host's SSH, SMTP or database ports (the test route answers with each attempt's error and latency).
  const port = url.port === '' ? 443 : Number(url.port);
  if (!policy.allowPrivateTargets && port !== 443 && port < 1024) {
    throw new WebhookUrlRefusedError('port_not_allowed', 'Webhook URLs use port 443 or a port from 1024 up');
  }
  if (url.hash !== '') url.hash = '';
  return url;
}

/** The host of a URL without IPv6 brackets. */
export const hostOf = (url: URL): string => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** How long a host's resolution may take, within a delivery's deadline. */
export const DNS_TIMEOUT_MS = 2000;

/**
 * Public names are resolved by c-ares with its own deadline (one try), not by getaddrinfo, which
 * has none and holds one of libuv's four pool threads for as long as a slow resolver takes. The
 * local cloud's names (localhost, /etc/hosts) need the system resolver; that mode is not
 * production.
 */
async function defaultResolve(hostname: string, allowPrivateTargets: boolean): Promise<ResolvedAddress[]> {
  if (allowPrivateTargets) {
    const found = await withDeadline(dnsLookup(hostname, { all: true, verbatim: true }), hostname);
    return found.map((entry) => ({ address: entry.address, family: entry.family === 6 ? 6 : 4 }));
  }
  const resolver = new Resolver({ timeout: DNS_TIMEOUT_MS, tries: 1 });
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
  const addresses: ResolvedAddress[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (addresses.length === 0 && v4.status === 'rejected') throw v4.reason;
  return addresses;
}

async function withDeadline<T>(work: Promise<T>, hostname: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Resolving ${hostname} took over ${DNS_TIMEOUT_MS} ms`)),
      DNS_TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** RFC 6761: `localhost` and names below it are loopback, whatever a resolver says. */
const isLocalhostName = (host: string) => /(^|\.)localhost\.?$/i.test(host);

/**
 * Resolves the URL's host and checks every address it resolves to: one private address among
 * public ones is refused too (the connection could land on any of them). Returns the checked
 * addresses, which the sender pins (first first; the others for its fallback).
 *
 * A refusal names the class of address, never the address: the integrator learns nothing of
 * forgecast's network from it. The address goes to forgecast's own log.
 */
export async function checkTarget(url: URL, policy: TargetPolicy): Promise<readonly ResolvedAddress[]> {
  const host = hostOf(url);
  let addresses: readonly ResolvedAddress[];
  const literal = isIP(host);
  if (literal !== 0) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else if (!policy.allowPrivateTargets && isLocalhostName(host)) {
    throw refusal(host, '127.0.0.1', 'loopback');
  } else {
    try {
      addresses = await (policy.resolve ?? ((name) => defaultResolve(name, policy.allowPrivateTargets)))(
        host,
      );
    } catch (cause) {
      throw new WebhookUrlRefusedError('unresolvable_host', `The host ${host} does not resolve`, { cause });
    }
  }
  if (addresses.length === 0) {
    throw new WebhookUrlRefusedError('unresolvable_host', `The host ${host} has no address`);
  }
  if (!policy.allowPrivateTargets) {
    for (const { address } of addresses) {
      const refused = classifyAddress(address);
      if (refused) throw refusal(host, address, refused);
    }
  }
  return addresses;
}

function refusal(host: string, address: string, reason: AddressClass): WebhookUrlRefusedError {
  log.warn('webhook target refused', { host, address, reason });
  return new WebhookUrlRefusedError(
    reason,
    `The host ${host} resolves to a ${reason.replace('_', '-')} address: webhooks go to public addresses only`,
  );
}

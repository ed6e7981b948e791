import { describe, expect, it } from 'vitest';
import { backoffDelayMs, nextAttemptAt } from '#shared/webhooks/retry-policy.ts';
import { signatureHeader, signPayload } from '#shared/webhooks/signature.ts';
import {
  checkTarget,
  classifyAddress,
  embeddedIpv4,
  parseTargetUrl,
  WebhookUrlRefusedError,
} from '#shared/webhooks/target-policy.ts';

const production = { allowPrivateTargets: false } as const;
const local = { allowPrivateTargets: true } as const;

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WebhookUrlRefusedError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('Module: target-policy', () => {
  describe('Function: classifyAddress', () => {
    it.each([
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.255', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'link_local'],
      ['100.64.0.1', 'cgnat'],
      ['100.127.255.254', 'cgnat'],
      ['224.0.0.1', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['255.255.255.255', 'reserved'],
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'link_local'],
      ['fd12:3456::1', 'unique_local'],
      ['fc00::1', 'unique_local'],
      ['ff02::1', 'multicast'],
      ['::ffff:127.0.0.1', 'loopback'],
      ['::ffff:7f00:1', 'loopback'],
      ['::ffff:10.0.0.1', 'private'],
      ['::ffff:169.254.169.254', 'link_local'],
      ['64:ff9b::a9fe:a9fe', 'link_local'],
      ['2002:7f00:1::', 'loopback'],
      ['::ffff:0:7f00:1', 'loopback'],
      ['::ffff:0:a00:1', 'private'],
      ['2001::1', 'reserved'],
      ['64:ff9b:1::a00:1', 'reserved'],
    ])('refuses %s as %s', (address, reason) => {
      // Act / Assess
      expect(classifyAddress(address)).toBe(reason);
    });

    it.each(['8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
      'accepts the public address %s',
      (address) => {
        // Act / Assess
        expect(classifyAddress(address)).toBeUndefined();
      },
    );

    it('reads the IPv4 address inside mapped, NAT64 and 6to4 forms', () => {
      // Act / Assess
      expect(embeddedIpv4('::ffff:192.168.0.1')).toBe('192.168.0.1');
      expect(embeddedIpv4('64:ff9b::808:808')).toBe('8.8.8.8');
      expect(embeddedIpv4('2002:0a00:0001::1')).toBe('10.0.0.1');
      expect(embeddedIpv4('2606:4700::1')).toBeUndefined();
    });
  });

  describe('Function: parseTargetUrl', () => {
    it('requires https in production and allows http locally', () => {
      // Act / Assess
      expect(() => parseTargetUrl('http://example.com/hook', production)).toThrow(WebhookUrlRefusedError);
      expect(parseTargetUrl('http://example.com/hook', local).toString()).toBe('http://example.com/hook');
      expect(parseTargetUrl('https://example.com/hook#frag', production).toString()).toBe(
        'https://example.com/hook',
      );
    });

    it('allows port 443 and ports from 1024 in production, any port locally', () => {
      // Act / Assess
      expect(parseTargetUrl('https://example.com:8443/hook', production).port).toBe('8443');
      expect(parseTargetUrl('https://example.com/hook', production).port).toBe('');
      for (const url of ['https://example.com:22/', 'https://example.com:25/', 'https://example.com:80/']) {
        expect(() => parseTargetUrl(url, production), url).toThrow(/port 443/);
      }
      expect(parseTargetUrl('http://localhost:80/hook', local).hostname).toBe('localhost');
    });

    it('refuses credentials, other schemes and junk', () => {
      // Act / Assess
      for (const url of [
        'https://user:pw@example.com/',
        'ftp://example.com/',
        'not a url',
        'file:///etc/passwd',
      ]) {
        expect(() => parseTargetUrl(url, local), url).toThrow(WebhookUrlRefusedError);
      }
    });
  });

  describe('Function: checkTarget', () => {
    it('refuses a name resolving to loopback in production, and any private address among public ones', async () => {
      // Prepare
      const resolve = async (host: string) =>
        host === 'mixed.example'
          ? [
              { address: '93.184.216.34', family: 4 as const },
              { address: '10.0.0.5', family: 4 as const },
            ]
          : [{ address: '127.0.0.1', family: 4 as const }];

      // Act / Assess
      expect(await refusal(checkTarget(new URL('https://loop.example/'), { ...production, resolve }))).toBe(
        'loopback',
      );
      expect(await refusal(checkTarget(new URL('https://mixed.example/'), { ...production, resolve }))).toBe(
        'private',
      );
      expect(await refusal(checkTarget(new URL('https://[::1]:8443/'), production))).toBe('loopback');
      expect(await checkTarget(new URL('https://loop.example/'), { ...local, resolve })).toEqual([
        { address: '127.0.0.1', family: 4 },
      ]);
    });

    it('names the class of a refused address, never the address', async () => {
      // Prepare
      const resolve = async () => [{ address: '10.0.1.23', family: 4 as const }];

      // Act
      const refused = await checkTarget(new URL('https://internal.example/'), {
        ...production,
        resolve,
      }).catch((error: unknown) => error as WebhookUrlRefusedError);

      // Assess
      expect(refused).toBeInstanceOf(WebhookUrlRefusedError);
      expect((refused as WebhookUrlRefusedError).reason).toBe('private');
      expect((refused as WebhookUrlRefusedError).message).not.toContain('10.0.1.23');
    });

    it('takes localhost names for loopback in production without asking a resolver', async () => {
      // Prepare
      const resolve = async () => [{ address: '93.184.216.34', family: 4 as const }];

      // Act / Assess
      for (const host of ['localhost', 'api.localhost', 'LOCALHOST.']) {
        expect(
          await refusal(checkTarget(new URL(`https://${host}/`), { ...production, resolve })),
          host,
        ).toBe('loopback');
      }
    });

    it('refuses a host that does not resolve', async () => {
      // Prepare
      const resolve = async () => {
        throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
      };

      // Act / Assess
      expect(
        await refusal(checkTarget(new URL('https://nowhere.example/'), { ...production, resolve })),
      ).toBe('unresolvable_host');
    });
  });
});

describe('Module: retry-policy', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, retryForMs: 10 * 60_000 };

  it('doubles the delay each attempt up to the cap, with jitter in the upper half', () => {
    // Act
    const lowest = [1, 2, 3, 4, 8, 20].map((attempts) => backoffDelayMs(attempts, policy, () => 0));
    const highest = [1, 2, 3, 4, 8, 20].map((attempts) => backoffDelayMs(attempts, policy, () => 1));

    // Assess
    expect(lowest).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
    expect(highest).toEqual([1000, 2000, 4000, 8000, 60_000, 60_000]);
  });

  it('gives up once the next try would fall outside the retry window', () => {
    // Prepare
    const createdAt = new Date('2026-12-07T00:00:00Z');

    // Act
    const early = nextAttemptAt(3, createdAt, new Date('2026-12-07T00:01:00Z'), policy, () => 1);
    const late = nextAttemptAt(9, createdAt, new Date('2026-12-07T00:09:30Z'), policy, () => 1);

    // Assess
    expect(early?.toISOString()).toBe('2026-12-07T00:01:04.000Z');
    expect(late).toBeUndefined();
  });
});

describe('Module: signature', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 and sends one v1 per secret', () => {
    // Act
    const header = signatureHeader(['whsec_a', 'whsec_b'], 1_700_000_000, '{"x":1}');

    // Assess: HMAC-SHA256("whsec_a", "1700000000.{\"x\":1}"), computed apart from the signer.
    expect(signPayload('whsec_a', 1_700_000_000, Buffer.from('{"x":1}'))).toBe(
      '045d09d6c72ed326fafa89ed38e606c4b737f3065101d9d09c03cdbe4136224f',
    );
    expect(header).toBe(
      `t=1700000000,v1=${signPayload('whsec_a', 1_700_000_000, '{"x":1}')},v1=${signPayload('whsec_b', 1_700_000_000, '{"x":1}')}`,
    );
  });
});

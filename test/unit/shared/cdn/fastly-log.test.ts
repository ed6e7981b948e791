import { describe, expect, it } from 'vitest';
import { parseCdnLog, parseCdnLogLine } from '#shared/cdn/fastly-log.ts';
import { newId } from '#shared/ids.ts';

const ASSET = newId();
const TOKEN = `1900000000_${'ab'.repeat(32)}`;

function line(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({
    timestamp: '2030-03-04T23:59:58+0000',
    client_ip: '203.0.113.9',
    method: 'GET',
    url: `/t/${TOKEN}/videos/${ASSET}/v1/master.m3u8`,
    status: 200,
    bytes: 612,
    user_agent: 'AppleCoreMedia/1.0',
    service_id: 'SVC123',
    ...overrides,
  });
}

describe('Fastly log lines', () => {
  it('reads a line of the documented format into an asset entry', () => {
    expect(parseCdnLogLine(line())).toEqual({
      at: new Date('2030-03-04T23:59:58Z'),
      day: '2030-03-04',
      clientIp: '203.0.113.9',
      method: 'GET',
      assetId: ASSET,
      objectPath: `videos/${ASSET}/v1/master.m3u8`,
      status: 200,
      bytes: 612,
      userAgent: 'AppleCoreMedia/1.0',
      isView: true,
      served: true,
    });
  });

  it('puts the entry on its UTC day whatever the offset it was written with', () => {
    expect(parseCdnLogLine(line({ timestamp: '2030-03-05T01:30:00+0200' }))).toMatchObject({
      day: '2030-03-04',
    });
    expect(parseCdnLogLine(line({ timestamp: '2030-03-04T22:30:00.123-02:00' }))).toMatchObject({
      day: '2030-03-05',
    });
    expect(parseCdnLogLine(line({ timestamp: '2030-03-04T00:00:00Z' }))).toMatchObject({ day: '2030-03-04' });
  });

  it('counts a view only for a served GET of the master playlist', () => {
    const view = (overrides: Record<string, unknown>) => {
      const entry = parseCdnLogLine(line(overrides));
      return typeof entry === 'string' ? entry : entry.isView;
    };
    expect(view({})).toBe(true);
    expect(view({ status: 304 })).toBe(true);
    expect(view({ url: `/t/${TOKEN}/videos/${ASSET}/v1/master.m3u8?cb=1` })).toBe(true);
    expect(view({ url: `/t/${TOKEN}/videos/${ASSET}/v1/720p/index.m3u8` })).toBe(false);
    expect(view({ url: `/t/${TOKEN}/videos/${ASSET}/v1/720p/seg-00001.m4s` })).toBe(false);
    expect(view({ status: 403 })).toBe(false);
    expect(view({ status: 410 })).toBe(false);
    expect(view({ method: 'HEAD' })).toBe(false);
  });

  it('marks refused and failed requests as not served', () => {
    const served = (status: number) => (parseCdnLogLine(line({ status })) as { served: boolean }).served;
    expect([200, 206, 304, 403, 410, 500].map(served)).toEqual([true, true, true, false, false, false]);
  });

  it('tells lines for other things apart from malformed ones', () => {
    expect(parseCdnLogLine(line({ url: '/favicon.ico' }))).toBe('not-an-asset');
    expect(parseCdnLogLine(line({ url: `/videos/${ASSET}/v1/master.m3u8` }))).toBe('not-an-asset');
    expect(parseCdnLogLine(line({ url: `/t/${TOKEN}/videos/not-an-id/master.m3u8` }))).toBe('not-an-asset');
    expect(parseCdnLogLine(line({ url: `/t/${TOKEN}` }))).toBe('not-an-asset');
  });

  it('calls a line malformed when a required field is missing or wrong', () => {
    for (const text of [
      '{',
      '[]',
      'null',
      '"a string"',
      line({ timestamp: 'yesterday' }),
      line({ timestamp: '2030-03-04T23:59:58' }),
      line({ timestamp: '2030-02-30T10:00:00Z' }),
      line({ status: 'ok' }),
      line({ status: 42 }),
      line({ bytes: -1 }),
      line({ bytes: 1.5 }),
      line({ client_ip: '' }),
      line({ client_ip: undefined }),
      line({ url: 7 }),
      `${line()} trailing`,
      line({ user_agent: 'x'.repeat(20_000) }),
    ]) {
      expect(parseCdnLogLine(text), text.slice(0, 80)).toBe('malformed');
    }
  });

  it('accepts quoted numbers and a missing user agent', () => {
    expect(parseCdnLogLine(line({ status: '200', bytes: '10', user_agent: undefined }))).toMatchObject({
      status: 200,
      bytes: 10,
      userAgent: '',
    });
  });

  it('parses a batch, skipping blank lines and counting what it skipped', () => {
    // Prepare
    const body = [line(), '', 'garbage', line({ url: '/' }), line({ status: 206, bytes: 100 }), ''].join(
      '\r\n',
    );

    // Act
    const parsed = parseCdnLog(body);

    // Assess
    expect(parsed.entries).toHaveLength(2);
    expect(parsed.malformed).toBe(1);
    expect(parsed.notAssets).toBe(1);
  });
});

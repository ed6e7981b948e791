import { describe, expect, it } from 'vitest';
import { BandwidthEstimator } from '../../../../workers/live-ingest/whip/bandwidth.ts';
import { ffmpegSdp } from '../../../../workers/live-ingest/whip/rtp-bridge.ts';
import type { NegotiatedCodec } from '../../../../workers/live-ingest/whip/webrtc-port.ts';
import {
  rembBitrate,
  withoutTransportCc,
  withPublicCandidates,
} from '../../../../workers/live-ingest/whip/werift-peer.ts';

function feed(estimator: BandwidthEstimator, from: number, count: number, skipEvery = 0): number {
  let seq = from;
  for (let i = 0; i < count; i += 1) {
    if (!(skipEvery > 0 && i % skipEvery === 0)) estimator.onPacket(seq & 0xffff);
    seq += 1;
  }
  return seq;
}

describe('Class: BandwidthEstimator', () => {
  describe('Method: tick', () => {
    it('holds the ceiling on a clean path and reports no loss across a sequence wrap', () => {
      // Prepare
      const estimator = new BandwidthEstimator({ maxBps: 4_000_000 });

      // Act
      feed(estimator, 65_000, 1_000);
      const tick = estimator.tick();

      // Assess
      expect(tick.lossFraction).toBe(0);
      expect(tick.estimateBps).toBe(4_000_000);
    });

    it('backs off under heavy loss, not below the floor, and recovers 8 % a tick when clean', () => {
      // Prepare
      const estimator = new BandwidthEstimator({ minBps: 300_000, maxBps: 4_000_000 });
      let seq = feed(estimator, 0, 100);
      estimator.tick();

      // Act: 25 % loss for a tick, then clean
      seq = feed(estimator, seq, 400, 4);
      const lossy = estimator.tick();
      seq = feed(estimator, seq, 400);
      const clean = estimator.tick();
      for (let i = 0; i < 20; i += 1) {
        seq = feed(estimator, seq, 400, 2);
        estimator.tick();
      }
      const floor = estimator.tick();

      // Assess
      expect(lossy.lossFraction).toBeCloseTo(0.25, 2);
      expect(lossy.estimateBps).toBe(Math.round(4_000_000 * (1 - 0.25 / 2)));
      expect(clean.estimateBps).toBe(Math.round(lossy.estimateBps * 1.08));
      expect(floor.estimateBps).toBe(300_000);
    });

    it('ignores duplicates and late packets when counting what was expected', () => {
      // Prepare
      const estimator = new BandwidthEstimator();
      feed(estimator, 10, 10);
      estimator.tick();

      // Act
      estimator.onPacket(20);
      estimator.onPacket(20);
      estimator.onPacket(15);
      estimator.onPacket(21);
      const tick = estimator.tick();

      // Assess: 2 expected (20, 21), 4 arrived: never negative loss
      expect(tick.lossFraction).toBe(0);
    });
  });
});

describe('Function: rembBitrate', () => {
  it('encodes a bitrate as an 18-bit mantissa and an exponent', () => {
    // Act
    const small = rembBitrate(200_000);
    const large = rembBitrate(2_500_000);

    // Assess
    expect(small).toEqual({ exponent: 0, mantissa: 200_000 });
    expect(large.mantissa).toBeLessThan(1 << 18);
    expect(large.mantissa * 2 ** large.exponent).toBeLessThanOrEqual(2_500_000);
    expect(large.mantissa * 2 ** large.exponent).toBeGreaterThan(2_500_000 * 0.999);
  });
});

describe('Function: ffmpegSdp', () => {
  it('describes H.264 (packetization-mode=1) then Opus on local ports', () => {
    // Prepare
    const codecs: NegotiatedCodec[] = [
      {
        kind: 'video',
        payloadType: 102,
        acceptedPayloadTypes: [102, 104],
        encodingName: 'H264',
        clockRate: 90_000,
        fmtp: 'packetization-mode=1',
      },
      {
        kind: 'audio',
        payloadType: 111,
        acceptedPayloadTypes: [111],
        encodingName: 'opus',
        clockRate: 48_000,
        channels: 2,
      },
    ];

    // Act
    const sdp = ffmpegSdp(
      codecs,
      new Map([
        ['video', { port: 30_000 }],
        ['audio', { port: 30_002 }],
      ]),
    );

    // Assess
    expect(sdp).toBe(
      [
        'v=0',
        'o=- 0 0 IN IP4 127.0.0.1',
        's=forgecast whip',
        'c=IN IP4 127.0.0.1',
        't=0 0',
        'm=video 30000 RTP/AVP 102',
        'a=rtpmap:102 H264/90000',
        'a=fmtp:102 packetization-mode=1',
        'a=recvonly',
        'm=audio 30002 RTP/AVP 111',
        'a=rtpmap:111 opus/48000/2',
        'a=recvonly',
        '',
      ].join('\n'),
    );
  });
});

describe('Function: withPublicCandidates', () => {
  const answer = [
    'v=0',
    'm=video 9 UDP/TLS/RTP/SAVPF 96',
    'a=candidate:abc 1 udp 2116026367 10.0.0.5 40000 typ host generation 0',
    'a=end-of-candidates',
    'm=audio 9 UDP/TLS/RTP/SAVPF 111',
    'a=candidate:abc 1 udp 2116026367 10.0.0.5 40000 typ host generation 0',
    '',
  ].join('\r\n');

  it('repeats each host candidate once per m-line with the public (1:1 NAT) address and the same port', () => {
    // Act
    const sdp = withPublicCandidates(answer, { address: '203.0.113.7', local: false });

    // Assess
    const publicLines = sdp.split('\r\n').filter((line) => line.includes('203.0.113.7'));
    expect(publicLines).toEqual([
      'a=candidate:abcp 1 udp 2116026366 203.0.113.7 40000 typ host',
      'a=candidate:abcp 1 udp 2116026366 203.0.113.7 40000 typ host',
    ]);
    expect(sdp).toContain('10.0.0.5 40000');
  });

  it('leaves the answer alone without a public host or when it is a local address', () => {
    // Assess
    expect(withPublicCandidates(answer, undefined)).toBe(answer);
    expect(withPublicCandidates(answer, { address: '127.0.0.1', local: true })).toBe(answer);
  });
});

describe('Function: withoutTransportCc', () => {
  it("drops Chrome's transport-cc feedback and the transport-wide sequence extension, keeping the rest", () => {
    // Prepare
    const offer = [
      'm=video 9 UDP/TLS/RTP/SAVPF 102',
      'a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01',
      'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
      'a=rtcp-fb:102 goog-remb',
      'a=rtcp-fb:102 transport-cc',
      'a=rtcp-fb:102 nack pli',
      '',
    ].join('\r\n');

    // Act
    const declined = withoutTransportCc(offer);

    // Assess
    expect(declined.split('\r\n')).toEqual([
      'm=video 9 UDP/TLS/RTP/SAVPF 102',
      'a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid',
      'a=rtcp-fb:102 goog-remb',
      'a=rtcp-fb:102 nack pli',
      '',
    ]);
  });
});

import { lookup } from 'node:dns/promises';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import {
  type MediaStreamTrack,
  ReceiverEstimatedMaxBitrate,
  RTCPeerConnection,
  type RTCRtpCodecParameters,
  type RTCRtpTransceiver,
  RtcpPayloadSpecificFeedback,
  useH264,
  useOPUS,
  useSdesMid,
  useVP8,
} from 'werift';
import {
  type MediaKind,
  type NegotiatedCodec,
  OfferRejectedError,
  type PeerEndReason,
  type WebRtcAcceptOptions,
  type WebRtcPeer,
  type WebRtcReceiverPort,
} from './webrtc-port.ts';

/**
 * The werift implementation of the receiver port.
 *
 * - Codecs offered in the answer, in preference order: H.264 (packetization-mode=1, the
 *   Constrained Baseline / Baseline / Main profiles Chrome offers), then VP8; Opus for audio.
 *   Every video codec carries `nack`, `nack pli` and `goog-remb` feedback and nothing else:
 *   no `transport-cc` and no transport-wide sequence header extension, so the publisher
 *   estimates bandwidth from REMB and loss only.
 * - No STUN/TURN servers (werift defaults to a public STUN server; the receiver must not
 *   talk to anything but its publisher), IPv4 only, and the answer is sent once gathering is
 *   complete (host candidates only, so that takes milliseconds).
 * - `publicHost` (LIVE_PUBLIC_HOST): when it is an address of a local interface werift gathers
 *   it as a host candidate (`iceAdditionalHostAddresses`: loopback and other addresses werift
 *   skips by default); otherwise (a public IP that 1:1 NAT maps to this host, as on an OCI
 *   instance with a public IP) werift has no NAT-1:1 option, so each IPv4 host candidate is
 *   repeated in the answer with the public address and the same port.
 */
export function createWeriftReceiverPort(
  options: {
    readonly gatherTimeoutMs?: number;
    /** UDP ports ICE may bind (a firewall opens exactly these); werift picks any when unset. */
    readonly icePortRange?: readonly [number, number];
  } = {},
): WebRtcReceiverPort {
  const gatherTimeoutMs = options.gatherTimeoutMs ?? 5_000;
  let peersCreated = 0;
  return {
    get peersCreated() {
      return peersCreated;
    },
    async accept(offerSdp: string, acceptOptions: WebRtcAcceptOptions): Promise<WebRtcPeer> {
      if (!/^v=0\r?\n/.test(offerSdp) || !/\r?\nm=/.test(offerSdp)) {
        throw new OfferRejectedError('malformed-offer', 'The body is not an SDP offer with media');
      }
      const publicHost = await resolvePublicHost(acceptOptions.publicHost);
      const pc = new RTCPeerConnection({
        codecs: { video: videoCodecs(), audio: [useOPUS()] },
        headerExtensions: { video: [useSdesMid()], audio: [useSdesMid()] },
        iceServers: [],
        iceUseIpv6: false,
        bundlePolicy: 'max-bundle',
        ...(options.icePortRange ? { icePortRange: [options.icePortRange[0], options.icePortRange[1]] } : {}),
        ...(publicHost?.local ? { iceAdditionalHostAddresses: [publicHost.address] } : {}),
      });
      peersCreated += 1;
      try {
        return await negotiate(pc, offerSdp, publicHost, gatherTimeoutMs);
      } catch (err: unknown) {
        await pc.close().catch(() => undefined);
        if (err instanceof OfferRejectedError) throw err;
        throw new OfferRejectedError('malformed-offer', 'The offer could not be negotiated', { cause: err });
      }
    },
  };
}

function videoCodecs(): RTCRtpCodecParameters[] {
  const h264 = ['42e01f', '42001f', '4d001f'].map((profile) =>
    useH264({ parameters: `level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=${profile}` }),
  );
  return [...h264, useVP8()];
}

interface PublicHost {
  readonly address: string;
  readonly local: boolean;
}

async function resolvePublicHost(host: string | undefined): Promise<PublicHost | undefined> {
  if (!host) return undefined;
  const address = isIPv4(host) ? host : (await lookup(host, { family: 4 })).address;
  const local = Object.values(networkInterfaces()).some((entries) =>
    (entries ?? []).some((entry) => entry.address === address),
  );
  return { address, local };
}

async function negotiate(
  pc: RTCPeerConnection,
  offerSdp: string,
  publicHost: PublicHost | undefined,
  gatherTimeoutMs: number,
): Promise<WebRtcPeer> {
  await pc.setRemoteDescription({ type: 'offer', sdp: withoutTransportCc(offerSdp) });
  const received = pc
    .getTransceivers()
    .filter((t) => !t.rejected && (t.kind === 'video' || t.kind === 'audio'));
  for (const transceiver of received) transceiver.setDirection('recvonly');
  await pc.setLocalDescription(await pc.createAnswer());
  await gatheringComplete(pc, gatherTimeoutMs);

  const video = received.find((t) => t.kind === 'video' && !t.rejected && primaryCodec(t) !== undefined);
  if (!video) {
    throw new OfferRejectedError(
      'no-supported-video',
      'The offer has no video in H.264 (packetization-mode=1) or VP8',
    );
  }
  const audio = received.find((t) => t.kind === 'audio' && !t.rejected && primaryCodec(t) !== undefined);
  const codecs = [negotiatedCodec('video', video), ...(audio ? [negotiatedCodec('audio', audio)] : [])];
  const answerSdp = withPublicCandidates(pc.localDescription?.sdp ?? '', publicHost);
  return new WeriftPeer(pc, video, audio, codecs, answerSdp);
}

function gatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(finish, timeoutMs);
    const subscription = pc.iceGatheringStateChange.subscribe((state) => {
      if (state === 'complete') finish();
    });
    function finish(): void {
      clearTimeout(timer);
      subscription.unSubscribe();
      resolve();
    }
  });
}

const SUPPORTED = new Map<string, NegotiatedCodec['encodingName']>([
  ['video/h264', 'H264'],
  ['video/vp8', 'VP8'],
  ['audio/opus', 'opus'],
]);

function primaryCodec(transceiver: RTCRtpTransceiver): RTCRtpCodecParameters | undefined {
  return transceiver.codecs.find((codec) => SUPPORTED.has(codec.mimeType.toLowerCase()));
}

function negotiatedCodec(kind: MediaKind, transceiver: RTCRtpTransceiver): NegotiatedCodec {
  const codec = primaryCodec(transceiver);
  if (!codec) throw new OfferRejectedError('no-supported-video', `No supported ${kind} codec`);
  const mime = codec.mimeType.toLowerCase();
  const encodingName = SUPPORTED.get(mime) ?? 'VP8';
  const accepted = transceiver.codecs
    .filter((candidate) => candidate.mimeType.toLowerCase() === mime)
    .map((candidate) => candidate.payloadType);
  return {
    kind,
    payloadType: codec.payloadType,
    acceptedPayloadTypes: accepted,
    encodingName,
    clockRate: codec.clockRate,
    ...(codec.channels ? { channels: codec.channels } : {}),
    ...(encodingName === 'H264' ? { fmtp: 'packetization-mode=1' } : {}),
  };
}

/**
 * The offer without transport-wide congestion control: werift answers a codec with the feedback
 * the offer lists for it (Chrome lists `transport-cc`) and would then send TWCC feedback, which
 * made Chrome's estimate collapse. Declined here, so the answer carries REMB, NACK and PLI only.
 */
export function withoutTransportCc(sdp: string): string {
  return sdp
    .split(/\r?\n/)
    .filter(
      (line) => !/^a=rtcp-fb:\S+ transport-cc\b/.test(line) && !/^a=extmap:.*transport-wide-cc/.test(line),
    )
    .join('\r\n');
}

/** Repeats each IPv4 UDP host candidate (once per m-line) with the public address (1:1 NAT), same port. */
export function withPublicCandidates(sdp: string, publicHost: PublicHost | undefined): string {
  if (!publicHost || publicHost.local) return sdp;
  const lines = sdp.split(/\r\n/);
  const out: string[] = [];
  const added = new Set<string>();
  for (const line of lines) {
    out.push(line);
    if (line.startsWith('m=')) added.clear();
    const match = /^a=candidate:(\S+) (\d+) udp (\d+) (\d+\.\d+\.\d+\.\d+) (\d+) typ host/i.exec(line);
    if (!match) continue;
    const [, foundation, component, priority, , port] = match;
    const key = `${component}:${port}`;
    if (added.has(key)) continue;
    added.add(key);
    out.push(
      `a=candidate:${foundation}p ${component} udp ${Number(priority) - 1} ${publicHost.address} ${port} typ host`,
    );
  }
  return out.join('\r\n');
}

class WeriftPeer implements WebRtcPeer {
  private readonly rtpListeners: ((kind: MediaKind, packet: Buffer) => void)[] = [];
  private readonly endListeners: ((reason: PeerEndReason) => void)[] = [];
  private videoTrack: MediaStreamTrack | undefined;
  private audioTrack: MediaStreamTrack | undefined;
  private ended = false;

  private readonly pc: RTCPeerConnection;
  private readonly video: RTCRtpTransceiver;
  readonly codecs: readonly NegotiatedCodec[];
  readonly answerSdp: string;

  constructor(
    pc: RTCPeerConnection,
    video: RTCRtpTransceiver,
    audio: RTCRtpTransceiver | undefined,
    codecs: readonly NegotiatedCodec[],
    answerSdp: string,
  ) {
    this.pc = pc;
    this.video = video;
    this.codecs = codecs;
    this.answerSdp = answerSdp;
    this.attach('video', video);
    if (audio) this.attach('audio', audio);
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'failed' || state === 'closed') this.end(state);
    });
  }

  private attach(kind: MediaKind, transceiver: RTCRtpTransceiver): void {
    const seen = new Set<MediaStreamTrack>();
    const listen = (track: MediaStreamTrack): void => {
      if (seen.has(track)) return;
      seen.add(track);
      if (kind === 'video') this.videoTrack = track;
      else this.audioTrack = track;
      track.onReceiveRtp.subscribe((rtp) => {
        if (this.ended) return;
        if (track.ssrc === undefined) track.ssrc = rtp.header.ssrc;
        const packet = rtp.serialize();
        for (const listener of this.rtpListeners) listener(kind, packet);
      });
    };
    // werift creates the remote track when the offer names its SSRC (already done here) or on
    // the first packet of an unannounced one.
    for (const track of transceiver.receiver.tracks) listen(track);
    transceiver.onTrack.subscribe((track) => listen(track));
  }

  private end(reason: PeerEndReason): void {
    if (this.ended) return;
    this.ended = true;
    for (const listener of this.endListeners) listener(reason);
  }

  onRtp(listener: (kind: MediaKind, packet: Buffer) => void): void {
    this.rtpListeners.push(listener);
  }

  onEnded(listener: (reason: PeerEndReason) => void): void {
    this.endListeners.push(listener);
  }

  requestKeyframe(): void {
    const ssrc = this.videoTrack?.ssrc;
    if (this.ended || ssrc === undefined) return;
    void this.video.receiver.sendRtcpPLI(ssrc).catch(() => undefined);
  }

  sendBitrateEstimate(bitsPerSecond: number): void {
    const ssrcs = [this.videoTrack?.ssrc, this.audioTrack?.ssrc].filter((s): s is number => s !== undefined);
    if (this.ended || ssrcs.length === 0) return;
    const { exponent, mantissa } = rembBitrate(bitsPerSecond);
    const packet = new RtcpPayloadSpecificFeedback({
      feedback: new ReceiverEstimatedMaxBitrate({
        senderSsrc: this.video.receiver.rtcpSsrc,
        mediaSsrc: 0,
        ssrcNum: ssrcs.length,
        brExp: exponent,
        brMantissa: mantissa,
        ssrcFeedbacks: ssrcs,
      }),
    });
    void this.video.receiver.dtlsTransport.sendRtcp([packet]).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.ended = true;
    await this.pc.close().catch(() => undefined);
  }
}

/** REMB's 6-bit exponent and 18-bit mantissa for a bitrate (rounded down). */
export function rembBitrate(bitsPerSecond: number): { exponent: number; mantissa: number } {
  let mantissa = Math.max(0, Math.floor(bitsPerSecond));
  let exponent = 0;
  while (mantissa >= 1 << 18) {
    mantissa = Math.floor(mantissa / 2);
    exponent += 1;
  }
  return { exponent, mantissa };
}

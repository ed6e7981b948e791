/**
 * The receiver's only view of a WebRTC stack. `werift-peer.ts` implements it with werift (pure
 * TypeScript); a `node-datachannel` adapter would implement the same two interfaces and nothing
 * else in `whip/` would change.
 *
 * One peer = one WHIP session: the publisher's offer in, an answer out (all local candidates in
 * it: the receiver does not trickle), decrypted RTP per media kind, and the two RTCP messages the
 * receiver sends on its own: keyframe requests (PLI) and the bandwidth estimate (REMB). No
 * transport-wide congestion control is negotiated (TWCC made Chrome's estimate collapse).
 */

export type MediaKind = 'video' | 'audio';

/** What the answer settled for one received m-line (the one codec the RTP bridge describes). */
export interface NegotiatedCodec {
  readonly kind: MediaKind;
  /** Payload type the bridge writes into the SDP for ffmpeg (RTP is rewritten to it). */
  readonly payloadType: number;
  /** Every payload type the publisher may send this codec on (same codec, other fmtp). */
  readonly acceptedPayloadTypes: readonly number[];
  /** `H264`, `VP8` or `opus`, as written in an SDP rtpmap. */
  readonly encodingName: 'H264' | 'VP8' | 'opus';
  readonly clockRate: number;
  readonly channels?: number;
  /** fmtp parameters to hand ffmpeg (e.g. `packetization-mode=1`), if any. */
  readonly fmtp?: string;
}

export type PeerEndReason = 'disconnected' | 'failed' | 'closed';

export interface WebRtcPeer {
  readonly answerSdp: string;
  /** The received media: video first, then audio if the publisher sends any. */
  readonly codecs: readonly NegotiatedCodec[];
  /** A decrypted RTP packet (serialised, header included) of one kind. */
  onRtp(listener: (kind: MediaKind, packet: Buffer) => void): void;
  /** ICE or DTLS ended (the publisher left or the path broke). Fires at most once. */
  onEnded(listener: (reason: PeerEndReason) => void): void;
  /** Sends a Picture Loss Indication for the video source (no-op before its SSRC is known). */
  requestKeyframe(): void;
  /** Sends REMB with this estimate for every known media SSRC. */
  sendBitrateEstimate(bitsPerSecond: number): void;
  close(): Promise<void>;
}

export interface WebRtcAcceptOptions {
  /** LIVE_PUBLIC_HOST: an address the publisher can reach this host on (written into ICE). */
  readonly publicHost?: string;
}

export interface WebRtcReceiverPort {
  /** Negotiates a receive-only peer for the offer. Throws `OfferRejectedError` for an unusable offer. */
  accept(offerSdp: string, options: WebRtcAcceptOptions): Promise<WebRtcPeer>;
  /** How many peers this port has created so far (tests: a refused key creates none). */
  readonly peersCreated: number;
}

/** The offer cannot be answered (not SDP, no video we can receive…): HTTP 400/406 at the edge. */
export class OfferRejectedError extends Error {
  override readonly name = 'OfferRejectedError';
  readonly code: 'malformed-offer' | 'no-supported-video';
  constructor(code: OfferRejectedError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

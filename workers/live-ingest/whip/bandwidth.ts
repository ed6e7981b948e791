/**
 * The receiver's bandwidth estimate, sent to the publisher as REMB once a second.
 *
 * Loss-based, deliberately simple: the publisher (Chrome) runs its own loss-based controller and
 * treats REMB as a ceiling, so this only has to say "more is fine" while the path is clean and
 * back off when packets go missing. Loss is measured on the video SSRC from RTP sequence numbers
 * (after werift's NACK repair, so it is the loss the ladder would see).
 *   loss > 10 %  → estimate × (1 − loss / 2)
 *   loss < 2 %   → estimate × 1.08 (at most `maxBps`)
 *   otherwise    → hold
 * The ceiling defaults to 4 Mb/s: the ladder's top rendition is 2.8 Mb/s, so more only costs the
 * publisher's uplink.
 */
export interface BandwidthEstimatorOptions {
  readonly minBps?: number;
  readonly maxBps?: number;
  readonly startBps?: number;
}

export class BandwidthEstimator {
  private readonly minBps: number;
  private readonly maxBps: number;
  private estimate: number;
  private highestSeq: number | undefined;
  private cycles = 0;
  private expectedAtLastTick = 0;
  private receivedAtLastTick = 0;
  private received = 0;

  constructor(options: BandwidthEstimatorOptions = {}) {
    this.minBps = options.minBps ?? 300_000;
    this.maxBps = options.maxBps ?? 4_000_000;
    this.estimate = Math.min(this.maxBps, Math.max(this.minBps, options.startBps ?? this.maxBps));
  }

  /** One video RTP packet (its 16-bit sequence number). */
  onPacket(sequenceNumber: number): void {
    this.received += 1;
    if (this.highestSeq === undefined) {
      this.highestSeq = sequenceNumber;
      this.expectedAtLastTick = this.extendedHighest() - 1;
      return;
    }
    const delta = (sequenceNumber - this.highestSeq) & 0xffff;
    if (delta === 0 || delta >= 0x8000) return; // duplicate or late (reordered) packet
    if (sequenceNumber < this.highestSeq) this.cycles += 1;
    this.highestSeq = sequenceNumber;
  }

  private extendedHighest(): number {
    return this.cycles * 0x10000 + (this.highestSeq ?? 0);
  }

  /** Called once per interval: the loss since the last tick and the new estimate. */
  tick(): { readonly lossFraction: number; readonly estimateBps: number } {
    if (this.highestSeq === undefined) return { lossFraction: 0, estimateBps: this.estimate };
    const expected = this.extendedHighest() - this.expectedAtLastTick;
    const received = this.received - this.receivedAtLastTick;
    this.expectedAtLastTick = this.extendedHighest();
    this.receivedAtLastTick = this.received;
    const lossFraction = expected > 0 ? Math.max(0, Math.min(1, 1 - received / expected)) : 0;
    if (expected > 0) {
      if (lossFraction > 0.1) this.estimate *= 1 - lossFraction / 2;
      else if (lossFraction < 0.02) this.estimate *= 1.08;
    }
    this.estimate = Math.round(Math.min(this.maxBps, Math.max(this.minBps, this.estimate)));
    return { lossFraction, estimateBps: this.estimate };
  }
}

export interface SizedSegment {
  readonly duration: number;
  readonly bytes: number;
}

/** Float slack when comparing sums of EXTINF durations against window bounds. */
const EPSILON = 1e-9;

/**
 * The peak segment bit rate as the HLS spec defines it for BANDWIDTH: the highest bit rate of any
 * contiguous run of segments lasting between 0.5 and 1.5 target durations, a run's rate being its
 * bytes over its duration. Only Media Segments count: the init section is fetched once per switch to
 * the variant, not once per segment. A playlist too short for any such run is taken as one run.
 */
export function peakSegmentBitrate(segments: readonly SizedSegment[], targetDuration: number): number {
  const shortest = 0.5 * targetDuration - EPSILON;
  const longest = 1.5 * targetDuration + EPSILON;
  let peak = 0;
  for (let start = 0; start < segments.length; start++) {
    let bytes = 0;
    let duration = 0;
    for (let end = start; end < segments.length; end++) {
      const segment = segments[end] as SizedSegment;
      bytes += segment.bytes;
      duration += segment.duration;
      if (duration > longest) break;
      if (duration >= shortest) peak = Math.max(peak, (bytes * 8) / duration);
    }
  }
  return peak > 0 ? peak : averageSegmentBitrate(segments);
}

/** Every Media Segment's bits over the playlist's duration (container overhead included, init excluded). */
export function averageSegmentBitrate(segments: readonly SizedSegment[]): number {
  let bytes = 0;
  let duration = 0;
  for (const segment of segments) {
    bytes += segment.bytes;
    duration += segment.duration;
  }
  return duration > 0 ? (bytes * 8) / duration : 0;
}

/**
 * The ffmpeg arguments of the live benchmarks' input: a camera-like 1080p30 file (H.264 High,
 * 2 s GOP, ~6 Mb/s, AAC) with film grain, so encoding it is not trivially cheap.
 */
export function cameraLikeSourceArgs(seconds: number, path: string): string[] {
  return [
    '-hide_banner',
    '-nostdin',
    '-v',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=1920x1080:rate=30:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    '-vf',
    'noise=alls=6:allf=t',
    '-c:v',
    'libx264',
    '-preset',
    'superfast',
    '-profile:v',
    'high',
    '-b:v',
    '6M',
    '-g',
    '60',
    '-c:a',
    'aac',
    '-b:a',
    '128k',
    '-movflags',
    '+faststart',
    path,
  ];
}

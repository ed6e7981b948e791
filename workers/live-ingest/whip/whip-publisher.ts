import { type ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import {
  MediaStreamTrack,
  RTCPeerConnection,
  type RTCRtpTransceiver,
  RtpPacket,
  useH264,
  useOPUS,
  useSdesMid,
  useVP8,
} from 'werift';

/**
 * A minimal WHIP publisher for tests, the bench and manual checks: werift as the WebRTC client,
 * ffmpeg encoding a test pattern (and a tone) to RTP on local UDP ports, each packet written into
 * the sender's track. It records what the receiver sends back: keyframe requests (PLI) and the
 * REMB estimate.
 */
export interface WhipPublisherOptions {
  /** The WHIP endpoint, e.g. `http://127.0.0.1:8084/whip`. */
  readonly url: string;
  readonly streamKey: string;
  readonly videoCodec?: 'H264' | 'VP8';
  readonly audio?: boolean;
  readonly width?: number;
  readonly height?: number;
  readonly fps?: number;
  readonly videoBitrateKbps?: number;
  /** How the source ffmpeg is started (tests pass spawnChild so it cannot outlive them). */
  readonly spawn?: (command: string, args: readonly string[]) => ChildProcess;
}

export interface WhipPublisher {
  /** Absolute URL of the session resource (from `Location`). */
  readonly resourceUrl: string;
  readonly answerSdp: string;
  readonly etag: string | null;
  /** `performance.now()` of every PLI received. */
  readonly keyframeRequests: readonly number[];
  /** The last REMB estimate received (bits/s), if any. */
  readonly rembBps: number | undefined;
  readonly connectionState: string;
  /** RTP packets written into the peer connection so far. */
  readonly packetsSent: number;
  /** RTP bytes (headers included) written into the peer connection so far. */
  readonly bytesSent: number;
  /** Stops the source ffmpeg (the peer connection stays up, sending nothing). */
  stopMedia(): Promise<void>;
  /** `DELETE` on the session resource. */
  delete(): Promise<Response>;
  /** Stops the media and closes the peer connection (no DELETE). */
  close(): Promise<void>;
}

export class WhipRefusedError extends Error {
  override readonly name = 'WhipRefusedError';
  readonly status: number;
  readonly body: string;
  constructor(status: number, body: string) {
    super(`WHIP POST answered ${status}`);
    this.status = status;
    this.body = body;
  }
}

const VIDEO_PT = 96;
const AUDIO_PT = 111;

export async function startWhipPublisher(options: WhipPublisherOptions): Promise<WhipPublisher> {
  const videoCodec = options.videoCodec ?? 'H264';
  const withAudio = options.audio ?? true;
  const pc = new RTCPeerConnection({
    codecs: {
      video: [videoCodec === 'H264' ? useH264({ payloadType: VIDEO_PT }) : useVP8({ payloadType: VIDEO_PT })],
      audio: [useOPUS({ payloadType: AUDIO_PT })],
    },
    headerExtensions: { video: [useSdesMid()], audio: [useSdesMid()] },
    iceServers: [],
    iceUseIpv6: false,
    bundlePolicy: 'max-bundle',
  });
  const videoTrack = new MediaStreamTrack({ kind: 'video' });
  const audioTrack = new MediaStreamTrack({ kind: 'audio' });
  const video = pc.addTransceiver(videoTrack, { direction: 'sendonly' });
  if (withAudio) pc.addTransceiver(audioTrack, { direction: 'sendonly' });

  const keyframeRequests: number[] = [];
  video.sender.onPictureLossIndication.subscribe(() => keyframeRequests.push(performance.now()));

  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const response = await fetch(options.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${options.streamKey}` },
    body: pc.localDescription?.sdp ?? '',
  });
  const answer = await response.text();
  if (response.status !== 201) {
    await pc.close();
    throw new WhipRefusedError(response.status, answer);
  }
  const resourceUrl = new URL(response.headers.get('location') ?? '', options.url).toString();
  await pc.setRemoteDescription({ type: 'answer', sdp: answer });
  await connected(pc);

  const source = await startSource(options, videoCodec, withAudio, videoTrack, audioTrack);
  return {
    resourceUrl,
    answerSdp: answer,
    etag: response.headers.get('etag'),
    keyframeRequests,
    get rembBps() {
      return rembOf(video);
    },
    get connectionState() {
      return pc.connectionState;
    },
    get packetsSent() {
      return source.packets;
    },
    get bytesSent() {
      return source.bytes;
    },
    stopMedia: () => source.stop(),
    delete: () =>
      fetch(resourceUrl, { method: 'DELETE', headers: { Authorization: `Bearer ${options.streamKey}` } }),
    async close() {
      await source.stop();
      await pc.close();
    },
  };
}

function rembOf(video: RTCRtpTransceiver): number | undefined {
  const value = video.sender.receiverEstimatedMaxBitrate;
  return value ? Number(value) : undefined;
}

function gathered(pc: RTCPeerConnection): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const subscription = pc.iceGatheringStateChange.subscribe((state) => {
      if (state !== 'complete') return;
      subscription.unSubscribe();
      resolve();
    });
  });
}

function connected(pc: RTCPeerConnection, timeoutMs = 20_000): Promise<void> {
  if (pc.connectionState === 'connected') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      subscription.unSubscribe();
      reject(new Error(`WHIP peer did not connect within ${timeoutMs} ms (${pc.connectionState})`));
    }, timeoutMs);
    const subscription = pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected') {
        clearTimeout(timer);
        subscription.unSubscribe();
        resolve();
      } else if (state === 'failed' || state === 'closed') {
        clearTimeout(timer);
        subscription.unSubscribe();
        reject(new Error(`WHIP peer ${state}`));
      }
    });
  });
}

interface Source {
  readonly packets: number;
  readonly bytes: number;
  stop(): Promise<void>;
}

async function startSource(
  options: WhipPublisherOptions,
  videoCodec: 'H264' | 'VP8',
  withAudio: boolean,
  videoTrack: MediaStreamTrack,
  audioTrack: MediaStreamTrack,
): Promise<Source> {
  let packets = 0;
  let bytes = 0;
  const forwardInto = async (track: MediaStreamTrack): Promise<Socket> => {
    const socket = createSocket('udp4');
    socket.on('message', (data) => {
      packets += 1;
      bytes += data.length;
      track.writeRtp(RtpPacket.deSerialize(data));
    });
    socket.bind(0, '127.0.0.1');
    await once(socket, 'listening');
    return socket;
  };
  const videoSocket = await forwardInto(videoTrack);
  const audioSocket = withAudio ? await forwardInto(audioTrack) : undefined;
  const portOf = (socket: Socket): number => (socket.address() as AddressInfo).port;
  const kbps = options.videoBitrateKbps ?? 2_500;
  const fps = options.fps ?? 30;
  const videoArgs =
    videoCodec === 'H264'
      ? ['-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'baseline']
      : ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-error-resilient', '1'];
  const args = [
    '-hide_banner',
    '-nostdin',
    '-loglevel',
    'error',
    '-re',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${options.width ?? 1280}x${options.height ?? 720}:rate=${fps}`,
    ...(withAudio ? ['-re', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-map',
    '0:v',
    ...videoArgs,
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${kbps}k`,
    '-maxrate',
    `${kbps}k`,
    '-bufsize',
    `${kbps}k`,
    '-g',
    String(fps * 2),
    '-payload_type',
    String(VIDEO_PT),
    '-f',
    'rtp',
    `rtp://127.0.0.1:${portOf(videoSocket)}?pkt_size=1200`,
    ...(audioSocket
      ? [
          '-map',
          '1:a',
          '-c:a',
          'libopus',
          '-b:a',
          '64k',
          '-payload_type',
          String(AUDIO_PT),
          '-f',
          'rtp',
          `rtp://127.0.0.1:${portOf(audioSocket)}?pkt_size=1200`,
        ]
      : []),
  ];
  const spawn = options.spawn ?? ((command, argv) => nodeSpawn(command, [...argv], { stdio: 'ignore' }));
  const child = spawn('ffmpeg', args);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    get packets() {
      return packets;
    },
    get bytes() {
      return bytes;
    },
    stop() {
      stopping ??= (async () => {
        child.kill('SIGKILL');
        await exited;
        videoSocket.close();
        audioSocket?.close();
      })();
      return stopping;
    },
  };
}

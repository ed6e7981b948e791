import { createSocket, type Socket } from 'node:dgram';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MediaKind, NegotiatedCodec } from './webrtc-port.ts';

/**
 * RTP → ffmpeg: the receiver forwards each decrypted RTP packet to 127.0.0.1 UDP ports that the
 * ladder's ffmpeg reads through an SDP file (`-protocol_whitelist file,udp,rtp -i <sdp>`).
 * The payload type is rewritten to the one the SDP names (a publisher may switch between
 * equivalent payload types); packets of other payload types (RTX, RED, FEC) are dropped.
 * The file is named after the stream id, never after anything secret.
 */
export interface RtpBridge {
  readonly sdpPath: string;
  /** When the last packet was forwarded (ms, `performance.now()`), or undefined before any. */
  readonly lastPacketAt: number | undefined;
  readonly packetsForwarded: number;
  forward(kind: MediaKind, packet: Buffer): void;
  close(): void;
}

interface Route {
  readonly port: number;
  readonly payloadType: number;
  readonly accepted: ReadonlySet<number>;
}

export async function openRtpBridge(options: {
  readonly dir: string;
  readonly name: string;
  readonly codecs: readonly NegotiatedCodec[];
}): Promise<RtpBridge> {
  const routes = new Map<MediaKind, Route>();
  const taken: number[] = [];
  for (const codec of options.codecs) {
    const port = await freeRtpPortPair(taken);
    taken.push(port);
    routes.set(codec.kind, {
      port,
      payloadType: codec.payloadType,
      accepted: new Set(codec.acceptedPayloadTypes),
    });
  }
  const sdpPath = join(options.dir, `${options.name}.sdp`);
  // World-readable: the agent runs the ladder's ffmpeg as an unprivileged user. It names only
  // local ports and codecs.
  await writeFile(sdpPath, ffmpegSdp(options.codecs, routes), { mode: 0o644 });

  const socket: Socket = createSocket('udp4');
  socket.on('error', () => undefined); // ffmpeg not listening yet / gone: a lost datagram, nothing more
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  let closed = false;
  let lastPacketAt: number | undefined;
  let packetsForwarded = 0;
  return {
    sdpPath,
    get lastPacketAt() {
      return lastPacketAt;
    },
    get packetsForwarded() {
      return packetsForwarded;
    },
    forward(kind, packet) {
      const route = routes.get(kind);
      if (closed || !route || packet.length < 12) return;
      const payloadType = (packet[1] ?? 0) & 0x7f;
      if (!route.accepted.has(payloadType)) return;
      if (payloadType !== route.payloadType) packet[1] = ((packet[1] ?? 0) & 0x80) | route.payloadType;
      lastPacketAt = performance.now();
      packetsForwarded += 1;
      socket.send(packet, route.port, '127.0.0.1');
    },
    close() {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}

/** The SDP ffmpeg's RTP demuxer reads: one m-line per received kind, video first. */
export function ffmpegSdp(
  codecs: readonly NegotiatedCodec[],
  routes: ReadonlyMap<MediaKind, { port: number }>,
): string {
  const lines = ['v=0', 'o=- 0 0 IN IP4 127.0.0.1', 's=forgecast whip', 'c=IN IP4 127.0.0.1', 't=0 0'];
  for (const codec of codecs) {
    const route = routes.get(codec.kind);
    if (!route) continue;
    const channels = codec.channels ? `/${codec.channels}` : '';
    lines.push(`m=${codec.kind} ${route.port} RTP/AVP ${codec.payloadType}`);
    lines.push(`a=rtpmap:${codec.payloadType} ${codec.encodingName}/${codec.clockRate}${channels}`);
    if (codec.fmtp) lines.push(`a=fmtp:${codec.payloadType} ${codec.fmtp}`);
    lines.push('a=recvonly');
  }
  return `${lines.join('\n')}\n`;
}

/**
 * An even port whose successor is free too (ffmpeg binds RTP on the port and RTCP on port + 1).
 * Probed by binding both and releasing them: ffmpeg binds them a moment later.
 */
async function freeRtpPortPair(avoid: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 15_000);
    if (avoid.includes(port)) continue;
    if ((await canBind(port)) && (await canBind(port + 1))) return port;
  }
  throw new Error('No free UDP port pair for the RTP bridge');
}

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, () => {
      socket.close();
      resolve(true);
    });
  });
}

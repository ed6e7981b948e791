/**
 * Publishing the camera over WHIP (RFC 9725) the way the live ingest agent takes it
 * (workers/live-ingest/whip/README.md): sendonly transceivers, H.264 packetization-mode 1
 * preferred (VP8 accepted), one complete offer once ICE gathering is done (the receiver takes no
 * trickle PATCHes), `Authorization: Bearer <stream key>`, and `DELETE` of the `Location` resource
 * to stop. The stream key stays in memory; it is never logged or stored.
 */

/** A refusal from the WHIP endpoint: its status, the problem's `code`, and when to try again. */
export class WhipError extends Error {
  readonly status: number;
  readonly code: string;
  readonly detail: string;
  readonly retryAfterSeconds: number | null;
  constructor(status: number, code: string, detail: string, retryAfterSeconds: number | null) {
    super(`WHIP answered ${status} ${code}`);
    this.name = 'WhipError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export interface WhipSession {
  readonly peer: RTCPeerConnection;
  /** The session's resource (the answer's `Location`, resolved against the endpoint). */
  readonly resource: string;
  /** DELETEs the resource (best effort) and closes the peer connection. */
  stop(): Promise<void>;
}

/** How long to wait for ICE gathering: host candidates take milliseconds; a STUN-less peer has no others. */
const ICE_GATHERING_MS = 5000;

export function browserCanPublish(): boolean {
  return (
    typeof RTCPeerConnection === 'function' &&
    typeof navigator !== 'undefined' &&
    typeof navigator.mediaDevices?.getUserMedia === 'function'
  );
}

/** The camera and microphone, 720p at most (the ladder's top rendition). */
export function openCamera(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } },
    audio: true,
  });
}

function preferH264(transceiver: RTCRtpTransceiver): void {
  const capabilities =
    typeof RTCRtpSender.getCapabilities === 'function' ? RTCRtpSender.getCapabilities('video') : null;
  if (!capabilities || typeof transceiver.setCodecPreferences !== 'function') return;
  const h264 = capabilities.codecs.filter(
    (codec) => codec.mimeType === 'video/H264' && /packetization-mode=1/.test(codec.sdpFmtpLine ?? ''),
  );
  transceiver.setCodecPreferences([...h264, ...capabilities.codecs.filter((codec) => !h264.includes(codec))]);
}

function iceGatheringDone(peer: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (peer.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(done, ICE_GATHERING_MS);
    function done() {
      clearTimeout(timer);
      peer.removeEventListener('icegatheringstatechange', check);
      resolve();
    }
    function check() {
      if (peer.iceGatheringState === 'complete') done();
    }
    peer.addEventListener('icegatheringstatechange', check);
  });
}

async function refusal(response: Response): Promise<WhipError> {
  let code = `http-${response.status}`;
  let detail = '';
  try {
    const body = (await response.json()) as { code?: unknown; type?: unknown; detail?: unknown };
    if (typeof body.code === 'string') code = body.code;
    else if (typeof body.type === 'string') code = body.type.split('/').pop() ?? code;
    if (typeof body.detail === 'string') detail = body.detail;
  } catch {
    // not a problem document: the status says enough
  }
  const retryAfter = Number(response.headers.get('retry-after'));
  return new WhipError(
    response.status,
    code,
    detail,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  );
}

/** Offers `stream`'s tracks to `endpoint`; resolves once the answer is applied (media then flows). */
export async function publishWhip(
  endpoint: string,
  streamKey: string,
  stream: MediaStream,
): Promise<WhipSession> {
  const peer = new RTCPeerConnection();
  try {
    for (const track of stream.getTracks()) {
      const transceiver = peer.addTransceiver(track, { direction: 'sendonly', streams: [stream] });
      if (track.kind === 'video') preferH264(transceiver);
    }
    await peer.setLocalDescription(await peer.createOffer());
    await iceGatheringDone(peer);
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp', Authorization: `Bearer ${streamKey}` },
      body: peer.localDescription?.sdp ?? '',
      credentials: 'omit',
    });
    if (response.status !== 201) throw await refusal(response);
    const answer = await response.text();
    const location = response.headers.get('Location');
    if (!location) throw new WhipError(502, 'no-location', 'The answer named no session resource', null);
    await peer.setRemoteDescription({ type: 'answer', sdp: answer });
    const resource = new URL(location, endpoint).toString();
    let stopped = false;
    return {
      peer,
      resource,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        try {
          await fetch(resource, {
            method: 'DELETE',
            headers: { Authorization: `Bearer ${streamKey}` },
            credentials: 'omit',
          });
        } catch {
          // the ingest notices the closed peer connection within seconds anyway
        } finally {
          peer.close();
        }
      },
    };
  } catch (error) {
    peer.close();
    throw error;
  }
}

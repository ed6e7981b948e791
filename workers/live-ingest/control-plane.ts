import { z } from 'zod';

/** The agent's side of the `live-ingest` function's three routes (see the issue 15 contract). */
export const renditionSchema = z.object({
  name: z.string().regex(/^[0-9a-z]{1,16}$/),
  width: z.number().int().min(16).max(7680),
  height: z.number().int().min(16).max(4320),
  videoBitrate: z.number().int().min(50_000).max(50_000_000),
});
export type Rendition = z.infer<typeof renditionSchema>;

/** How long a publisher waits for the key gate's answer before the agent refuses it (503). */
export const AUTHORIZE_TIMEOUT_MS = 5_000;

export const authorizeAnswerSchema = z.object({
  streamId: z.string().regex(/^[0-9A-Za-z]{1,64}$/),
  assetId: z.string().regex(/^[0-9A-Za-z]{1,64}$/),
  session: z.number().int().min(1),
  mediaPrefix: z.string().min(1),
  segmentSeconds: z.number().positive().max(10).default(1),
  updateIntervalSeconds: z.number().positive().max(60).default(5),
  maxDurationSeconds: z.number().positive().optional(),
  recordedSeconds: z.number().min(0).default(0),
  reconnectWindowSeconds: z.number().min(0).optional(),
  ladder: z.array(renditionSchema).min(1).max(6),
  audioBitrate: z.number().int().min(16_000).max(512_000).default(128_000),
});
export type AuthorizeAnswer = z.infer<typeof authorizeAnswerSchema>;

export type EndReason = 'publisher-left' | 'cut' | 'drain' | 'error';

export type Refusal = {
  readonly ok: false;
  readonly status: number;
  readonly code: string;
  readonly detail: string;
};
export type Authorized = { readonly ok: true; readonly answer: AuthorizeAnswer };

export interface UpdateReport {
  readonly session: number;
  readonly recordedSeconds: number;
  readonly segments: number;
  readonly playlistLagMs?: number;
}

export interface ControlPlane {
  authorize(input: {
    streamKey: string;
    protocol: 'rtmp' | 'whip';
    clientIp?: string;
  }): Promise<Authorized | Refusal>;
  /** `{ok:true}` keeps going; a refusal (4xx) means: cut the publisher now. Throws on transport errors. */
  update(streamId: string, report: UpdateReport): Promise<{ ok: true } | Refusal>;
  done(
    streamId: string,
    /** `segments`: this session's stored segments (a session shorter than one update counts too). */
    body: { session: number; recordedSeconds: number; segments: number; reason: EndReason },
  ): Promise<void>;
}

/** The function could not be reached or answered 5xx; the agent keeps the stream and retries later. */
export class ControlPlaneUnavailableError extends Error {
  readonly status: number | undefined;
  constructor(message: string, options: { status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'ControlPlaneUnavailableError';
    this.status = options.status;
  }
}

const problemSchema = z.object({
  code: z.string().optional(),
  detail: z.string().optional(),
  title: z.string().optional(),
});

export function httpControlPlane(options: {
  baseUrl: string;
  apiKey: string;
  workerId: string;
  /** on_publish must be answered in < 1 s, so authorize gets a short bound. */
  authorizeTimeoutMs?: number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): ControlPlane {
  const base = options.baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? fetch;
  const post = async (path: string, body: unknown, timeoutMs: number) => {
    let response: Response;
    try {
      response = await doFetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${options.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new ControlPlaneUnavailableError(`live-ingest ${path.split('/').pop()} call failed`, { cause });
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500 || response.status === 429 || response.status === 401) {
      throw new ControlPlaneUnavailableError(`live-ingest answered ${response.status}`, {
        status: response.status,
      });
    }
    let json: unknown;
    try {
      json = text === '' ? {} : JSON.parse(text);
    } catch (cause) {
      throw new ControlPlaneUnavailableError('live-ingest answered something other than JSON', {
        cause,
        status: response.status,
      });
    }
    return { status: response.status, json };
  };
  const refusal = (status: number, json: unknown): Refusal => {
    const problem = problemSchema.safeParse(json);
    const code = problem.success ? (problem.data.code ?? 'refused') : 'refused';
    const detail = problem.success ? (problem.data.detail ?? problem.data.title ?? code) : code;
    return { ok: false, status, code, detail };
  };
  return {
    async authorize(input) {
      const { status, json } = await post(
        '/live-ingest/authorize',
        { ...input, workerId: options.workerId },
        // Long enough for a function's cold start (seconds on OCI after idle, and locally on a
        // busy machine); a wrong key is refused by a warm function in milliseconds either way.
        options.authorizeTimeoutMs ?? AUTHORIZE_TIMEOUT_MS,
      );
      if (status !== 200) return refusal(status, json);
      const answer = authorizeAnswerSchema.safeParse(json);
      if (!answer.success) {
        throw new ControlPlaneUnavailableError('live-ingest authorize answer is malformed', {
          cause: answer.error,
        });
      }
      return { ok: true, answer: answer.data };
    },
    async update(streamId, report) {
      const { status, json } = await post(
        `/live-ingest/streams/${encodeURIComponent(streamId)}/update`,
        { ...report, workerId: options.workerId },
        options.timeoutMs ?? 4_000,
      );
      return status >= 200 && status < 300 ? { ok: true } : refusal(status, json);
    },
    async done(streamId, body) {
      const { status, json } = await post(
        `/live-ingest/streams/${encodeURIComponent(streamId)}/done`,
        { ...body, workerId: options.workerId },
        options.timeoutMs ?? 4_000,
      );
      if (status >= 300) {
        const r = refusal(status, json);
        throw new ControlPlaneUnavailableError(`live-ingest done answered ${status} ${r.code}`, { status });
      }
    },
  };
}

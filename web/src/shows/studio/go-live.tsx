/**
 * `/studio/live`: create a live stream (for a show without a video, `?show=` preselects it), see
 * its stream key once, the RTMP/RTMPS addresses for an encoder, and go live from this browser:
 * the camera and microphone published over WHIP to the stream's `ingest.whip`, a preview of what
 * is sent, Stop (DELETE of the WHIP resource), the stream's state as viewers see it, and a link to
 * the watch page once live.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  Button,
  ConfirmButton,
  CopyButton,
  ErrorMessage,
  Notice,
  PageTitle,
  SecretBox,
  SelectField,
  StatusBadge,
  TextField,
  type Tone,
} from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useFormSubmission } from '../../app/form-submission.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import { usePolling, useResource } from '../../app/resource.ts';
import { messages, type StudioT } from './messages.ts';
import {
  createLiveStream,
  endLiveStream,
  getLiveStream,
  getShow,
  type LiveStatus,
  type LiveStream,
  type LiveStreamWithKey,
  listStudioShows,
  rotateLiveStreamKey,
} from './studio-api.ts';
import { StudioNav } from './studio-nav.tsx';
import { browserCanPublish, openCamera, publishWhip, WhipError, type WhipSession } from './whip-client.ts';

const POLL_MS = 2000;
/** How long "the ingest is busy" (503, 429, or 409 after our own slow first try) is retried. */
const RETRY_FOR_MS = 90_000;

const STREAM_TONES: Readonly<Record<LiveStatus, Tone>> = {
  idle: 'neutral',
  starting: 'info',
  live: 'success',
  reconnecting: 'warning',
  ended: 'neutral',
  failed: 'danger',
};

type Publish =
  | { readonly kind: 'idle' | 'camera' | 'connecting' | 'sending' | 'stopped' }
  | { readonly kind: 'retrying'; readonly seconds: number }
  | { readonly kind: 'failed'; readonly message: string };

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function whipMessage(error: unknown, t: StudioT): string {
  if (error instanceof WhipError) {
    if (error.code === 'already-live') return t('whipAlreadyLive');
    if (error.code === 'stream-ended') return t('whipEnded');
    return t('whipRefused', { reason: error.detail || `${error.status} ${error.code}` });
  }
  if (error instanceof DOMException && (error.name === 'NotAllowedError' || error.name === 'SecurityError'))
    return t('cameraRefused');
  if (
    error instanceof DOMException &&
    (error.name === 'NotFoundError' || error.name === 'OverconstrainedError')
  )
    return t('cameraMissing');
  return t('whipUnreachable');
}

/**
 * The show's stream exists already (its key was shown once, when it was made): a new key lets
 * this browser (or an encoder) publish again; the old key stops working.
 */
function ExistingStream({
  id,
  onKey,
}: {
  readonly id: string;
  readonly onKey: (stream: LiveStreamWithKey) => void;
}) {
  const t = useT(messages);
  const stream = useResource((signal) => getLiveStream(id, signal), [id]);
  const submission = useFormSubmission();
  const over = stream.data?.status === 'ended' || stream.data?.status === 'failed';
  return (
    <div class="panel">
      <p>{t('existingStream', { title: stream.data?.title ?? '…' })}</p>
      {stream.data ? <StreamStatus stream={stream.data} t={t} /> : null}
      {stream.error ? <ErrorMessage error={stream.error} onRetry={stream.reload} /> : null}
      {over ? (
        <p>{t('whipEnded')}</p>
      ) : (
        <>
          <p class="studio-notes">{t('rotateNote')}</p>
          {submission.failure ? <ErrorMessage error={submission.failure} /> : null}
          <div class="actions">
            <Button
              busy={submission.busy}
              disabled={!stream.data}
              onClick={() => void submission.send(async () => onKey(await rotateLiveStreamKey(id)))}
            >
              {t('rotateKey')}
            </Button>
          </div>
        </>
      )}
    </div>
  );
}

function CreateStreamForm({ onCreated }: { readonly onCreated: (stream: LiveStreamWithKey) => void }) {
  const t = useT(messages);
  const preselected = useQueryValue('show');
  const shows = useResource((signal) => listStudioShows(null, signal), []);
  // the show asked for by address, read on its own: its title names the stream
  const chosen = useResource(
    (signal) => (preselected ? getShow(preselected, signal) : Promise.resolve(null)),
    [preselected],
  );
  const [title, setTitle] = useState('');
  const [showId, setShowId] = useState(preselected);
  const submission = useFormSubmission();
  const open = (shows.data?.items ?? []).filter(
    (show) => (show.videoId === null || show.id === preselected) && show.status !== 'cancelled',
  );
  const options = [
    { value: '', label: t('streamNoShow') },
    ...open.map((show) => ({ value: show.id, label: show.title })),
    ...(preselected && !open.some((show) => show.id === preselected)
      ? [{ value: preselected, label: chosen.data?.title ?? preselected }]
      : []),
  ];
  const preselectedTitle = chosen.data?.title;
  const existing = chosen.data?.liveStreamId ?? null;
  useEffect(() => {
    if (preselectedTitle && title === '') setTitle(preselectedTitle);
  }, [preselectedTitle]);

  const submit = (event: Event) => {
    event.preventDefault();
    if (submission.sending()) return;
    if (title.trim() === '') {
      submission.setErrors({ title: t('titleMissing') });
      return;
    }
    submission.setErrors({});
    void submission.send(async () => {
      onCreated(await createLiveStream({ title: title.trim(), ...(showId ? { showId } : {}) }));
    });
  };

  // a show has one stream: its key is renewed rather than a second stream made
  if (existing) return <ExistingStream id={existing} onKey={onCreated} />;

  return (
    <form onSubmit={submit} noValidate aria-busy={submission.busy ? 'true' : undefined}>
      <TextField
        label={t('streamTitleLabel')}
        error={submission.errors.title}
        value={title}
        maxLength={200}
        required
        autoComplete="off"
        onInput={(event) => setTitle(event.currentTarget.value)}
      />
      <SelectField
        label={t('streamShowLabel')}
        hint={t('streamShowHint')}
        error={submission.errors.showId}
        value={showId}
        options={options}
        onChange={(event) => setShowId(event.currentTarget.value)}
      />
      {submission.failure ? <ErrorMessage error={submission.failure} /> : null}
      <div class="actions">
        <Button type="submit" busy={submission.busy}>
          {t('submitStream')}
        </Button>
      </div>
    </form>
  );
}

function UrlRow({
  term,
  value,
  copyLabel,
}: {
  readonly term: string;
  readonly value: string;
  readonly copyLabel: string;
}) {
  return (
    <div>
      <dt>{term}</dt>
      <dd>
        <code>{value}</code>
        <CopyButton text={value} label={copyLabel} />
      </dd>
    </div>
  );
}

function StreamStatus({ stream, t }: { readonly stream: LiveStream; readonly t: StudioT }) {
  const { language } = useLanguage();
  return (
    <section aria-labelledby="stream-status">
      <h2 id="stream-status">{t('streamStatusHeading')}</h2>
      <div role="status" aria-live="polite">
        <p>
          <StatusBadge tone={STREAM_TONES[stream.status] ?? 'neutral'}>
            {t(`stream.${stream.status}`)}
          </StatusBadge>{' '}
          {stream.status === 'live' && stream.liveAt
            ? t('liveSince', { time: formatDateTime(language, stream.liveAt) })
            : null}
        </p>
      </div>
      {stream.showId ? (
        stream.status === 'live' || stream.status === 'reconnecting' ? (
          <p>
            <a href={`/watch/${encodeURIComponent(stream.showId)}`} target="_blank" rel="noopener">
              {t('watchLink')}
            </a>
          </p>
        ) : null
      ) : (
        <p class="studio-notes">{t('noShowWatch')}</p>
      )}
    </section>
  );
}

function Studio({ created }: { readonly created: LiveStreamWithKey }) {
  const t = useT(messages);
  const preview = useRef<HTMLVideoElement>(null);
  const camera = useRef<MediaStream | null>(null);
  const session = useRef<WhipSession | null>(null);
  const stopRequested = useRef(false);
  const [publish, setPublish] = useState<Publish>({ kind: 'idle' });
  const [endFailure, setEndFailure] = useState<unknown>(null);
  const { data: polled, error: pollError } = usePolling(
    (signal) => getLiveStream(created.id, signal),
    (stream) => stream.status === 'ended' || stream.status === 'failed',
    POLL_MS,
    [created.id],
  );
  const stream: LiveStream = polled ?? created;

  const releaseCamera = () => {
    for (const track of camera.current?.getTracks() ?? []) track.stop();
    camera.current = null;
    if (preview.current) preview.current.srcObject = null;
  };

  const stop = async () => {
    stopRequested.current = true;
    const current = session.current;
    const wasOn = current !== null || camera.current !== null;
    session.current = null;
    await current?.stop();
    releaseCamera();
    if (wasOn) setPublish({ kind: 'stopped' });
  };

  useEffect(
    () => () => {
      stopRequested.current = true;
      void session.current?.stop();
      releaseCamera();
    },
    [],
  );

  const goLive = async () => {
    stopRequested.current = false;
    setPublish({ kind: 'camera' });
    let media: MediaStream;
    try {
      media = await openCamera();
    } catch (error) {
      setPublish({ kind: 'failed', message: whipMessage(error, t) });
      return;
    }
    camera.current = media;
    if (preview.current) preview.current.srcObject = media;
    const until = Date.now() + RETRY_FOR_MS;
    let busyBefore = false;
    for (;;) {
      if (stopRequested.current) return;
      setPublish({ kind: 'connecting' });
      try {
        const opened = await publishWhip(created.ingest.whip, created.streamKey, media);
        if (stopRequested.current) {
          await opened.stop();
          return;
        }
        session.current = opened;
        opened.peer.addEventListener('connectionstatechange', () => {
          if (opened.peer.connectionState === 'failed' && session.current === opened) {
            session.current = null;
            void opened.stop();
            releaseCamera();
            setPublish({ kind: 'failed', message: t('connectionLost') });
          }
        });
        setPublish({ kind: 'sending' });
        return;
      } catch (error) {
        const busy =
          error instanceof WhipError &&
          (error.status === 503 || error.status === 429 || (error.status === 409 && busyBefore));
        if (busy && Date.now() < until) {
          busyBefore = true;
          const seconds = Math.min(error.retryAfterSeconds ?? 2, 5);
          setPublish({ kind: 'retrying', seconds });
          await sleep(seconds * 1000);
          continue;
        }
        releaseCamera();
        setPublish({ kind: 'failed', message: whipMessage(error, t) });
        return;
      }
    }
  };

  const publishing =
    publish.kind === 'camera' ||
    publish.kind === 'connecting' ||
    publish.kind === 'retrying' ||
    publish.kind === 'sending';
  const over = stream.status === 'ended' || stream.status === 'failed';
  return (
    <>
      <Notice tone="success">
        <p>{t('streamCreated')}</p>
      </Notice>
      <SecretBox label={t('streamKeyLabel')} secret={created.streamKey} />
      <p class="studio-notes">{t('streamKeyNote')}</p>

      <StreamStatus stream={stream} t={t} />
      {pollError ? <ErrorMessage error={pollError} /> : null}

      <section aria-labelledby="browser-live">
        <h2 id="browser-live">{t('browserHeading')}</h2>
        <p>{t('browserIntro')}</p>
        {browserCanPublish() ? null : (
          <Notice tone="warning">
            <p>{t('noWebRtc')}</p>
          </Notice>
        )}
        <video
          ref={preview}
          class="studio-preview"
          muted
          autoplay
          playsinline
          aria-label={t('previewLabel')}
        />
        <div role="status" aria-live="polite">
          <p data-testid="publish-state">
            {publish.kind === 'failed'
              ? null
              : publish.kind === 'retrying'
                ? t('publish.retrying', { seconds: publish.seconds })
                : t(`publish.${publish.kind}`)}
          </p>
        </div>
        {publish.kind === 'failed' ? (
          <div class="alert alert-error" role="alert">
            <p>{publish.message}</p>
          </div>
        ) : null}
        <div class="actions">
          {publishing ? (
            <Button variant="danger" onClick={() => void stop()}>
              {t('stopButton')}
            </Button>
          ) : (
            <Button onClick={() => void goLive()} disabled={over || !browserCanPublish()}>
              {t('goLiveButton')}
            </Button>
          )}
        </div>
      </section>

      <section aria-labelledby="encoder">
        <h2 id="encoder">{t('encoderHeading')}</h2>
        <dl class="properties studio-urls">
          <UrlRow term={t('rtmpUrl')} value={created.ingest.rtmp} copyLabel={t('copyRtmp')} />
          <UrlRow term={t('rtmpsUrl')} value={created.ingest.rtmps} copyLabel={t('copyRtmps')} />
          <div>
            <dt>{t('streamName')}</dt>
            <dd>{t('streamNameValue')}</dd>
          </div>
          <UrlRow term={t('whipUrl')} value={created.ingest.whip} copyLabel={t('copyWhip')} />
        </dl>
      </section>

      {over ? null : (
        <div class="actions">
          <ConfirmButton
            label={t('endStream')}
            question={t('endStreamConfirm')}
            onConfirm={async () => {
              setEndFailure(null);
              try {
                await stop();
                await endLiveStream(created.id);
              } catch (error) {
                setEndFailure(error);
              }
            }}
          />
        </div>
      )}
      {endFailure ? <ErrorMessage error={endFailure} /> : null}
    </>
  );
}

export default function GoLive() {
  const t = useT(messages);
  const [created, setCreated] = useState<LiveStreamWithKey | null>(null);
  return (
    <section>
      <StudioNav />
      <PageTitle title={t('liveTitle')}>{t('liveTitle')}</PageTitle>
      <p>{t('liveIntro')}</p>
      {created ? <Studio created={created} /> : <CreateStreamForm onCreated={setCreated} />}
    </section>
  );
}

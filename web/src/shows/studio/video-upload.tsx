/**
 * `/studio/videos/new`: the file (type and size read from it) and a title, `POST /v1/videos`, the
 * presigned PUT through XMLHttpRequest with a real progress bar, then the video followed every
 * 1.5 s until ready or failed ("transcoding 42 %"). `?video=<id>` reopens the follow-up.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../../app/api.ts';
import {
  Button,
  ButtonLink,
  ErrorMessage,
  PageTitle,
  ProgressBar,
  StatusBadge,
  TextField,
  type Tone,
} from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { FileField, UploadFeedback } from '../../app/components/upload-form.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatBytes } from '../../app/language.ts';
import { UploadFailedError, uploadToPresignedUrl } from '../../app/presigned-upload.ts';
import { fieldErrors } from '../../app/problems.ts';
import { usePolling } from '../../app/resource.ts';
import { messages, type StudioT } from './messages.ts';
import { createVideo, getVideo, MAX_VIDEO_BYTES, type Video, type VideoStatus } from './studio-api.ts';
import { contentTypeOf, wholePercent } from './studio-form.ts';
import { StudioNav } from './studio-nav.tsx';

const POLL_MS = 1500;

const TONES: Readonly<Record<VideoStatus, Tone>> = {
  awaiting_upload: 'neutral',
  uploaded: 'info',
  queued: 'info',
  transcoding: 'info',
  packaging: 'info',
  ready: 'success',
  failed: 'danger',
  live: 'info',
};

const finished = (video: Video) => video.status === 'ready' || video.status === 'failed';

function Processing({ id, name, t }: { readonly id: string; readonly name: string; readonly t: StudioT }) {
  const { data: video, error } = usePolling((signal) => getVideo(id, signal), finished, POLL_MS, [id]);
  const percent = wholePercent(video?.progressPercent);
  const title = video?.title ?? name;
  const heading = title ? t('videoTitle', { name: title }) : t('uploadTitle');
  return (
    <>
      <PageTitle title={heading}>{heading}</PageTitle>
      <section aria-labelledby="video-processing">
        <h2 id="video-processing">{t('processingHeading')}</h2>
        {/* polite: each change (and each step of the percentage) is read once, without interrupting */}
        <div role="status" aria-live="polite" aria-atomic="true">
          {video ? (
            <p>
              <StatusBadge tone={TONES[video.status]}>{t(`video.${video.status}`)}</StatusBadge>{' '}
              {video.status === 'transcoding' && percent !== null ? (
                <span data-testid="transcoding-progress">{t('transcodingPercent', { percent })}</span>
              ) : null}
            </p>
          ) : null}
          {video?.status === 'ready' ? (
            <p>
              {t('videoReady', {
                name: title,
                renditions: video.renditions.map((rendition) => `${rendition.height}p`).join(', '),
              })}
            </p>
          ) : null}
        </div>
        {video && !finished(video) ? (
          <ProgressBar
            label={t(video.status === 'transcoding' ? 'transcodingLabel' : 'processingLabel', {
              name: title,
            })}
            value={video.status === 'transcoding' ? percent : video.status === 'packaging' ? 100 : null}
          />
        ) : null}
        {video?.lastError && !finished(video) ? (
          <p class="studio-notes">{t('retrying', { attempt: video.attempt, error: video.lastError })}</p>
        ) : null}
        {video?.status === 'failed' ? (
          <div class="alert alert-error" role="alert">
            <p>{t('videoFailed', { reason: video.failure?.reason ?? video.lastError ?? '—' })}</p>
          </div>
        ) : null}
        {error ? <ErrorMessage error={error} /> : null}
        <div class="actions">
          {video?.status === 'ready' || (video && !finished(video)) ? (
            <ButtonLink href={`/studio/shows/new?video=${encodeURIComponent(id)}`} variant="primary">
              {t('createShowForVideo')}
            </ButtonLink>
          ) : null}
          <ButtonLink href="/studio/videos/new">{t('uploadAnother')}</ButtonLink>
        </div>
      </section>
    </>
  );
}

type Phase =
  | { readonly kind: 'editing' }
  | { readonly kind: 'creating' }
  | { readonly kind: 'uploading'; readonly sent: number; readonly total: number };

export default function VideoUpload() {
  const t = useT(messages);
  const { language } = useLanguage();
  const { route } = useLocation();
  const following = useQueryValue('video');
  const [file, setFile] = useState<File | null>(null);
  const [title, setTitle] = useState('');
  const [titleTouched, setTitleTouched] = useState(false);
  const [errors, setErrors] = useState<{ file?: string | undefined; title?: string | undefined }>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [uploadFailure, setUploadFailure] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'editing' });
  const [uploadedName, setUploadedName] = useState('');
  const cancel = useRef<AbortController | null>(null);
  useEffect(() => () => cancel.current?.abort(), []);

  const check = (candidate: File | null, candidateTitle: string) => {
    const next: { file?: string; title?: string } = {};
    if (!candidate) next.file = t('fileMissing');
    else if (!contentTypeOf(candidate)) next.file = t('fileWrongType');
    else if (candidate.size === 0) next.file = t('fileEmpty');
    else if (candidate.size > MAX_VIDEO_BYTES)
      next.file = t('fileTooLarge', { size: formatBytes(language, candidate.size) });
    if (candidateTitle.trim() === '') next.title = t('titleMissing');
    return next;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    if (phase.kind !== 'editing') return;
    const found = check(file, title);
    setErrors(found);
    setFailure(null);
    setUploadFailure(null);
    const contentType = file ? contentTypeOf(file) : null;
    if (found.file || found.title || !file || !contentType) return;
    setPhase({ kind: 'creating' });
    let created: Awaited<ReturnType<typeof createVideo>>;
    try {
      created = await createVideo({ title: title.trim(), contentType, sizeBytes: file.size });
    } catch (error) {
      if (error instanceof ApiError && error.problem) {
        const byField = fieldErrors(error.problem);
        setErrors({ title: byField.title, file: byField.sizeBytes ?? byField.contentType });
      }
      setFailure(error);
      setPhase({ kind: 'editing' });
      return;
    }
    cancel.current = new AbortController();
    setPhase({ kind: 'uploading', sent: 0, total: file.size });
    try {
      await uploadToPresignedUrl(
        created.upload,
        file,
        (sent, total) => setPhase({ kind: 'uploading', sent, total }),
        cancel.current.signal,
      );
    } catch (error) {
      if (cancel.current.signal.aborted) {
        setUploadFailure(t('uploadCancelled'));
        setPhase({ kind: 'editing' });
        return;
      }
      const status = error instanceof UploadFailedError ? error.status : 0;
      setUploadFailure(status > 0 ? t('uploadFailed', { status }) : t('uploadNoAnswer'));
      setPhase({ kind: 'editing' });
      return;
    }
    setUploadedName(title.trim());
    setPhase({ kind: 'editing' });
    setFile(null);
    setTitle('');
    setTitleTouched(false);
    route(`/studio/videos/new?video=${encodeURIComponent(created.id)}`);
  };

  if (following) {
    return (
      <section>
        <StudioNav />
        <Processing id={following} name={uploadedName} t={t} />
      </section>
    );
  }

  const busy = phase.kind !== 'editing';
  const type = file ? contentTypeOf(file) : null;
  return (
    <section>
      <StudioNav />
      <PageTitle title={t('uploadTitle')}>{t('uploadTitle')}</PageTitle>
      <p>{t('uploadIntro')}</p>
      <form onSubmit={submit} noValidate aria-busy={busy ? 'true' : undefined}>
        <FileField
          label={t('fileLabel')}
          hint={
            file && type
              ? t('fileChosen', {
                  type: type.replace('video/', '').toUpperCase(),
                  size: formatBytes(language, file.size),
                })
              : t('fileHint')
          }
          error={errors.file}
          accept="video/mp4,video/quicktime,video/webm,video/x-matroska,.mp4,.m4v,.mov,.webm,.mkv"
          disabled={busy}
          onChoose={(chosen) => {
            setFile(chosen);
            const nextTitle = !titleTouched && chosen ? chosen.name.replace(/\.[^.]+$/, '') : title;
            if (!titleTouched) setTitle(nextTitle);
            setErrors(chosen ? { ...check(chosen, nextTitle), title: undefined } : {});
          }}
        />
        <TextField
          label={t('videoTitleLabel')}
          hint={t('videoTitleHint')}
          error={errors.title}
          value={title}
          maxLength={200}
          required
          disabled={busy}
          autoComplete="off"
          onInput={(event) => {
            setTitle(event.currentTarget.value);
            setTitleTouched(true);
          }}
        />
        <UploadFeedback
          failure={failure}
          uploadFailure={uploadFailure}
          progress={
            phase.kind === 'uploading'
              ? { label: t('uploading', { name: title.trim() }), sent: phase.sent, total: phase.total }
              : null
          }
        />
        <div class="actions">
          <Button type="submit" busy={busy}>
            {t('submitUpload')}
          </Button>
          {phase.kind === 'uploading' ? (
            <Button variant="secondary" onClick={() => cancel.current?.abort()}>
              {t('cancelUpload')}
            </Button>
          ) : null}
        </div>
      </form>
    </section>
  );
}

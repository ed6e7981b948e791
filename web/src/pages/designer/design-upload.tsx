/**
 * Upload: the file (format and size read from it), a name, then `POST /v1/designs` and the
 * presigned PUT with a real progress bar; on success the design's page follows its checks.
 */

import { useEffect, useRef, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ApiError } from '../../app/api.ts';
import { Button, Notice, PageTitle, TextField } from '../../app/components/index.ts';
import { FileField, UploadFeedback } from '../../app/components/upload-form.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatBytes } from '../../app/language.ts';
import { UploadFailedError, uploadToPresignedUrl } from '../../app/presigned-upload.ts';
import { fieldErrors } from '../../app/problems.ts';
import { formatOfFile, MAX_DESIGN_BYTES, nameFromFile } from './design-status.ts';
import { createDesign } from './designs-api.ts';
import { messages } from './messages.ts';

type Phase =
  | { readonly kind: 'editing' }
  | { readonly kind: 'creating' }
  | { readonly kind: 'uploading'; readonly sent: number; readonly total: number }
  | { readonly kind: 'done' };

export default function DesignUpload() {
  const t = useT(messages);
  const { language } = useLanguage();
  const { route } = useLocation();
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [nameTouched, setNameTouched] = useState(false);
  const [errors, setErrors] = useState<{ file?: string; name?: string }>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [uploadFailure, setUploadFailure] = useState<string | null>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'editing' });
  const cancel = useRef<AbortController | null>(null);
  useEffect(() => () => cancel.current?.abort(), []);

  const format = file ? formatOfFile(file.name) : null;

  const check = (candidate: File | null, candidateName: string) => {
    const next: { file?: string; name?: string } = {};
    if (!candidate) next.file = t('fileMissing');
    else if (!formatOfFile(candidate.name)) next.file = t('fileWrongFormat');
    else if (candidate.size === 0) next.file = t('fileEmpty');
    else if (candidate.size > MAX_DESIGN_BYTES)
      next.file = t('fileTooLarge', { size: formatBytes(language, candidate.size) });
    if (candidateName.trim() === '') next.name = t('nameMissing');
    return next;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = check(file, name);
    setErrors(found);
    setFailure(null);
    setUploadFailure(null);
    const chosenFormat = file ? formatOfFile(file.name) : null;
    if (found.file || found.name || !file || !chosenFormat) return;
    setPhase({ kind: 'creating' });
    let created: Awaited<ReturnType<typeof createDesign>>;
    try {
      created = await createDesign({ name: name.trim(), format: chosenFormat, sizeBytes: file.size });
    } catch (error) {
      if (error instanceof ApiError && error.problem) {
        const byField = fieldErrors(error.problem);
        setErrors({
          ...(byField.name ? { name: byField.name } : {}),
          ...(byField.sizeBytes || byField.format ? { file: byField.sizeBytes ?? byField.format } : {}),
        });
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
      if (cancel.current.signal.aborted) return;
      const status = error instanceof UploadFailedError ? error.status : 0;
      setUploadFailure(status > 0 ? t('uploadFailed', { status }) : t('uploadNoAnswer'));
      setPhase({ kind: 'editing' });
      return;
    }
    setPhase({ kind: 'done' });
    route(`/designs/${created.id}`);
  };

  const busy = phase.kind === 'creating' || phase.kind === 'uploading';

  return (
    <section>
      <PageTitle title={t('uploadTitle')}>{t('uploadTitle')}</PageTitle>
      <p>{t('uploadIntro')}</p>
      <form onSubmit={submit} noValidate aria-busy={busy ? 'true' : undefined}>
        <FileField
          label={t('fileLabel')}
          hint={
            file && format
              ? t('fileChosen', { format: format.toUpperCase(), size: formatBytes(language, file.size) })
              : t('fileHint')
          }
          error={errors.file}
          accept=".stl,.3mf,.obj,model/stl,model/3mf,model/obj"
          disabled={busy}
          onChoose={(chosen) => {
            setFile(chosen);
            const nextName = !nameTouched && chosen ? nameFromFile(chosen.name) : name;
            if (!nameTouched) setName(nextName);
            setErrors(chosen ? { ...check(chosen, nextName), name: undefined } : {});
          }}
        />
        <TextField
          label={t('nameLabel')}
          hint={t('nameHint')}
          error={errors.name}
          value={name}
          maxLength={200}
          required
          disabled={busy}
          autoComplete="off"
          onInput={(event) => {
            setName(event.currentTarget.value);
            setNameTouched(true);
          }}
        />
        <UploadFeedback
          failure={failure}
          uploadFailure={uploadFailure}
          progress={
            phase.kind === 'uploading'
              ? { label: t('uploading', { name: name.trim() }), sent: phase.sent, total: phase.total }
              : null
          }
        />
        {phase.kind === 'done' ? <Notice tone="success">{t('uploadDone')}</Notice> : null}
        <div class="actions">
          <Button type="submit" busy={busy}>
            {t('submitUpload')}
          </Button>
        </div>
      </form>
    </section>
  );
}

/**
 * The print shop's printers: register one from its public key (a PEM file or pasted text, checked
 * here before upload), its credential shown once with a copy button; list, new credential, retire.
 */
import type { TargetedEvent, TargetedSubmitEvent } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../../app/api.ts';
import {
  Button,
  type Column,
  ConfirmButton,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  ShownOncePanel,
  StatusBadge,
  TextAreaField,
  TextField,
  useToast,
} from '../../app/components/index.ts';
import { ShowMore, usePagedList } from '../../app/components/page-kit.tsx';
import { useRowAction } from '../../app/form-submission.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import { type Page, shortId } from '../../app/license-view.ts';
import { fieldErrors } from '../../app/problems.ts';
import { messages } from './messages.ts';
import { checkPublicKeyPem, fileTooLarge, type PemCheck } from './public-key-pem.ts';
import type { PrinterView } from './shop-api.ts';
import { ShopNav } from './shop-nav.tsx';

interface Issued {
  readonly name: string;
  readonly credential: string;
}

export default function Printers() {
  const t = useT(messages);
  const { language } = useLanguage();
  const toast = useToast();
  const printers = usePagedList<PrinterView>(
    (cursor, signal) =>
      api.get<Page<PrinterView>>(`/printers?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { signal }),
    'printers',
  );
  const [name, setName] = useState('');
  const [pemText, setPemText] = useState('');
  const [keyCheck, setKeyCheck] = useState<PemCheck | null>(null);
  const [errors, setErrors] = useState<Readonly<Record<string, string>>>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<Issued | null>(null);
  const { failure: actionFailure, run: runRowAction } = useRowAction();
  const inFlight = useRef(false);

  const pemMessage = (check: PemCheck) =>
    check.ok ? '' : t(`pem.${check.problem}`, { bits: check.bits ?? 0 });

  /** Checks the key; a private key is never kept in the page (not in the text box, not in the file input). */
  async function checkText(text: string, fileInput?: HTMLInputElement) {
    if (text.trim() === '') {
      setPemText(text);
      setKeyCheck(null);
      return;
    }
    const check = await checkPublicKeyPem(text);
    const secret = !check.ok && check.problem === 'private-key';
    setPemText(secret ? '' : text);
    if (secret && fileInput) fileInput.value = '';
    setKeyCheck(check);
    setErrors((previous) => ({ ...previous, publicKeyPem: check.ok ? '' : pemMessage(check) }));
  }

  async function chooseFile(event: TargetedEvent<HTMLInputElement>) {
    const input = event.currentTarget;
    const file = input.files?.[0];
    if (!file) return;
    // Bounded before reading: a key is well under 4 KB, so anything much larger is not one.
    if (fileTooLarge(file.size)) {
      input.value = '';
      setKeyCheck({ ok: false, problem: 'too-large' });
      setErrors((previous) => ({ ...previous, publicKeyPem: t('pem.too-large') }));
      return;
    }
    await checkText(await file.text(), input);
  }

  async function register(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    // Taken before the first await (the key check is asynchronous): a double click registers once.
    if (inFlight.current) return;
    inFlight.current = true;
    try {
      const found: Record<string, string> = {};
      if (name.trim() === '') found.name = t('errorNameMissing');
      // A private key refused on entry left the box empty: keep saying why, not just "empty".
      const refusedOnEntry = pemText.trim() === '' && keyCheck !== null && !keyCheck.ok;
      const check = refusedOnEntry ? keyCheck : await checkPublicKeyPem(pemText);
      setKeyCheck(check);
      if (!check.ok) found.publicKeyPem = pemMessage(check);
      setErrors(found);
      if (Object.keys(found).length > 0 || !check.ok) return;
      setFailure(null);
      setBusy(true);
      const printer = await api.post<PrinterView & { credential: string }>('/printers', {
        name: name.trim(),
        publicKeyPem: check.pem,
      });
      setIssued({ name: printer.name, credential: printer.credential });
      toast(t('registeredToast', { name: printer.name }), 'success');
      setName('');
      setPemText('');
      setKeyCheck(null);
      // the chosen file's name too: the form said a key was still chosen for the next printer
      form.reset();
      printers.reload();
    } catch (error) {
      if (error instanceof ApiError && error.problem) setErrors(fieldErrors(error.problem));
      setFailure(error);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  }

  const columns: Column<PrinterView>[] = [
    { header: t('name'), cell: (printer) => printer.name },
    {
      header: t('status'),
      cell: (printer) => (
        <StatusBadge tone={printer.status === 'active' ? 'success' : 'neutral'}>
          {printer.status === 'active' ? t('printer.active') : t('printer.retired')}
        </StatusBadge>
      ),
    },
    {
      header: t('keyFingerprint'),
      cell: (printer) => (
        <code class="mono" title={printer.publicKeySha256}>
          {shortId(printer.publicKeySha256, 16)}
        </code>
      ),
    },
    { header: t('registered'), cell: (printer) => formatDateTime(language, printer.createdAt) },
    {
      header: t('actions'),
      cell: (printer) =>
        printer.status === 'active' ? (
          <div class="row-actions">
            <ConfirmButton
              variant="secondary"
              label={t('rotate', { name: printer.name })}
              question={t('rotateQuestion', { name: printer.name })}
              onConfirm={() =>
                runRowAction(async () => {
                  const rotated = await api.post<{ id: string; credential: string }>(
                    `/printers/${printer.id}/credential`,
                  );
                  setIssued({ name: printer.name, credential: rotated.credential });
                })
              }
            />
            <ConfirmButton
              label={t('retire', { name: printer.name })}
              question={t('retireQuestion', { name: printer.name })}
              onConfirm={() =>
                runRowAction(async () => {
                  await api.delete(`/printers/${printer.id}`);
                  toast(t('retired', { name: printer.name }), 'success');
                  printers.reload();
                })
              }
            />
          </div>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <section>
      <PageTitle title={t('printersTitle')}>{t('printersTitle')}</PageTitle>
      <ShopNav />
      {issued ? (
        <ShownOncePanel
          label={t('credentialLabel', { name: issued.name })}
          secret={issued.credential}
          onDone={() => setIssued(null)}
        >
          <p>{t('credentialIntro')}</p>
        </ShownOncePanel>
      ) : null}

      <h2>{t('registerHeading')}</h2>
      <p>{t('registerIntro')}</p>
      <form onSubmit={register} noValidate aria-busy={busy ? 'true' : undefined}>
        <TextField
          label={t('printerName')}
          hint={t('printerNameHint')}
          value={name}
          onInput={(event) => setName(event.currentTarget.value)}
          error={errors.name}
          maxLength={200}
          autocomplete="off"
          required
        />
        <TextField
          label={t('keyFile')}
          hint={t('keyFileHint')}
          type="file"
          accept=".pem,.pub,.key,.txt,application/x-pem-file,text/plain"
          onChange={chooseFile}
        />
        <TextAreaField
          label={t('keyText')}
          value={pemText}
          onInput={(event) => void checkText(event.currentTarget.value)}
          error={errors.publicKeyPem || undefined}
          hint={keyCheck?.ok ? t('keyChecked', { bits: keyCheck.bits }) : undefined}
          rows={8}
          spellcheck={false}
          placeholder="-----BEGIN PUBLIC KEY-----"
        />
        {failure ? <ErrorMessage error={failure} /> : null}
        <div class="actions">
          <Button type="submit" busy={busy}>
            {t('register')}
          </Button>
        </div>
      </form>

      <h2>{t('printersListHeading')}</h2>
      {actionFailure ? <ErrorMessage error={actionFailure} /> : null}
      {printers.status === 'loading' ? <Loading label={t('loadingPrinters')} /> : null}
      {printers.error ? <ErrorMessage error={printers.error} onRetry={printers.reload} /> : null}
      {printers.status === 'ready' ? (
        <>
          <DataTable
            stacked
            caption={t('printersCaption')}
            columns={columns}
            rows={printers.items}
            rowKey={(printer) => printer.id}
            empty={<p>{t('printersEmpty')}</p>}
          />
          <ShowMore list={printers} label={t('showMore')} />
        </>
      ) : null}
    </section>
  );
}

/**
 * `/door/:showId`: the creator's staff check tickets in. The code is typed (it is printed under
 * each QR code) or read from the camera where the browser has a `BarcodeDetector` that reads QR
 * codes (feature-detected; otherwise the camera button is not offered). Each result is said in
 * words, in a live region, and kept in a short list of this door's checks.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api } from '../app/api.ts';
import { Button } from '../app/components/button.tsx';
import { ErrorMessage, Loading } from '../app/components/feedback.tsx';
import { TextField } from '../app/components/fields.tsx';
import { PageTitle } from '../app/components/page.tsx';
import { useLanguage, useT } from '../app/i18n.tsx';
import { useResource } from '../app/resource.ts';
import { type DoorResult, doorRefusal } from './door-result.ts';
import { formatMoment } from './format.ts';
import { type Show, showPath, type Ticket } from './model.ts';
import { showsMessages } from './pages-messages.ts';

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
interface DetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

/** The browser's BarcodeDetector when it reads QR codes, else null. */
async function qrDetector(): Promise<Detector | null> {
  const Detector = (globalThis as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
  if (!Detector) return null;
  try {
    const formats = await Detector.getSupportedFormats();
    return formats.includes('qr_code') ? new Detector({ formats: ['qr_code'] }) : null;
  } catch {
    return null;
  }
}

interface Checked {
  readonly id: number;
  readonly code: string;
  readonly result: DoorResult;
}

function useResultText() {
  const t = useT(showsMessages);
  const { language } = useLanguage();
  return (result: DoorResult): string => {
    switch (result.kind) {
      case 'admitted':
        return t('door.admitted', { seat: result.seat });
      case 'already-checked-in':
        return result.at
          ? t('door.alreadyCheckedIn', { time: formatMoment(language, result.at) })
          : t('door.alreadyCheckedInUnknown');
      case 'wrong-show':
        return t('door.wrongShow');
      case 'revoked':
        return t('door.revoked');
      case 'invalid':
        return t('door.invalid');
      case 'unknown':
        return t('door.unknown');
      case 'cancelled':
        return t('door.cancelled');
      case 'not-yours':
        return t('door.notYours');
    }
  };
}

function Camera({ onCode }: { readonly onCode: (code: string) => void }) {
  const t = useT(showsMessages);
  const [detector, setDetector] = useState<Detector | null | undefined>(undefined);
  const [on, setOn] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement>(null);
  const onCodeRef = useRef(onCode);
  onCodeRef.current = onCode;
  useEffect(() => {
    void qrDetector().then(setDetector);
  }, []);
  useEffect(() => {
    if (!on || !detector) return;
    let stream: MediaStream | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let last = { code: '', at: 0 };
    const scan = async () => {
      if (stopped || !video.current) return;
      try {
        const found = await detector.detect(video.current);
        const code = found[0]?.rawValue;
        // A ticket held up stays in view for a while: it is sent once, and again only after it
        // has been out of view for 10 s (a second "already checked in" right after "admitted"
        // would confuse the door).
        if (code) {
          if (code !== last.code || Date.now() - last.at > 10_000) onCodeRef.current(code);
          last = { code, at: Date.now() };
        }
      } catch {
        // a frame that could not be read; the next may
      }
      timer = setTimeout(scan, 250);
    };
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'environment' }, audio: false })
      .then(async (media) => {
        stream = media;
        if (stopped || !video.current) return;
        video.current.srcObject = media;
        await video.current.play();
        void scan();
      })
      .catch((error: unknown) => {
        setFailure(error instanceof Error ? error.message : String(error));
        setOn(false);
      });
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, [on, detector]);
  if (detector === undefined) return null;
  if (detector === null) return <p class="field-hint">{t('noCamera')}</p>;
  return (
    <div class="door-camera">
      <Button variant="secondary" onClick={() => setOn((value) => !value)}>
        {on ? t('stopScan') : t('scan')}
      </Button>
      {failure ? <p class="field-error">{t('cameraRefused', { reason: failure })}</p> : null}
      {on ? (
        <>
          <p>{t('scanning')}</p>
          <video ref={video} class="door-preview" muted playsInline aria-label={t('cameraPreview')} />
        </>
      ) : null}
    </div>
  );
}

export default function Door({ params }: { readonly params?: { readonly showId?: string } }) {
  const t = useT(showsMessages);
  const text = useResultText();
  const showId = params?.showId ?? '';
  const show = useResource((signal) => api.get<Show>(showPath(showId), { signal }), [showId]);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<unknown>(null);
  const [checked, setChecked] = useState<readonly Checked[]>([]);
  const next = useRef(1);
  const inFlight = useRef(false);

  const checkIn = async (raw: string) => {
    const value = raw.trim();
    if (value === '' || inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setFailure(null);
    let result: DoorResult | null = null;
    try {
      const ticket = await api.post<Ticket>('/tickets/check-in', { code: value, showId });
      result = { kind: 'admitted', seat: ticket.seat };
    } catch (error) {
      result = error instanceof ApiError && error.problem ? doorRefusal(error.problem) : null;
      if (!result) setFailure(error);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
    if (result) {
      const entry = { id: next.current++, code: value, result };
      setChecked((all) => [entry, ...all].slice(0, 20));
      setCode('');
    }
  };

  const title = t('doorTitle', { show: show.data?.title ?? '…' });
  const latest = checked[0];
  return (
    <section class="door">
      <PageTitle title={title}>{title}</PageTitle>
      {show.status === 'failed' ? <ErrorMessage error={show.error} onRetry={show.reload} /> : null}
      <p>{t('doorIntro')}</p>
      <form
        class="door-form"
        onSubmit={(event) => {
          event.preventDefault();
          void checkIn(code);
        }}
      >
        <TextField
          label={t('code')}
          hint={t('codeHint')}
          value={code}
          autoComplete="off"
          autoCapitalize="off"
          spellcheck={false}
          onInput={(event) => setCode(event.currentTarget.value)}
          required
        />
        <Button type="submit" busy={busy}>
          {t('checkIn')}
        </Button>
      </form>
      <Camera onCode={(scanned) => void checkIn(scanned)} />
      {/* one live region for the verdict, there from the start */}
      <div
        role="status"
        aria-live="polite"
        class={
          latest
            ? `door-verdict door-${latest.result.kind === 'admitted' ? 'admitted' : 'refused'}`
            : 'door-verdict'
        }
      >
        {latest ? <p key={latest.id}>{text(latest.result)}</p> : null}
      </div>
      {failure ? <ErrorMessage error={failure} /> : null}
      {busy && !latest ? <Loading /> : null}
      {checked.length > 0 ? (
        <section aria-labelledby="door-history">
          <h2 id="door-history">{t('doorHistory')}</h2>
          <ol class="door-history">
            {checked.map((entry) => (
              <li key={entry.id}>
                <code>{entry.code.length > 24 ? `${entry.code.slice(0, 24)}…` : entry.code}</code> —{' '}
                {text(entry.result)}
              </li>
            ))}
          </ol>
        </section>
      ) : null}
    </section>
  );
}

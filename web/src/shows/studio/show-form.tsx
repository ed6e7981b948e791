/**
 * `/studio/shows/new` and `/studio/shows/:id`: a show's title, description, what ticket holders
 * watch (a video, or a live stream created next on the go-live page), start time typed in the
 * creator's zone and sent as an ISO instant in UTC, seats, and the price typed in the currency's
 * units and sent in Stripe's minor units. Editing sends only what changed (`PATCH`), so an
 * unchanged price never meets `price-locked`.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import { ApiError } from '../../app/api.ts';
import {
  Button,
  ButtonLink,
  ErrorMessage,
  Loading,
  Notice,
  PageTitle,
  SelectField,
  TextAreaField,
  TextField,
} from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useFormSubmission } from '../../app/form-submission.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatNumber } from '../../app/language.ts';
import { problemKind } from '../../app/problems.ts';
import { useResource } from '../../app/resource.ts';
import { messages, type StudioT } from './messages.ts';
import { createShow, getShow, listVideos, type Show, type ShowInput, updateShow } from './studio-api.ts';
import {
  COMMON_CURRENCIES,
  fromMinorUnits,
  isoToLocalInput,
  localInputToIso,
  MAX_CAPACITY,
  minorDigits,
  type PriceError,
  toMinorUnits,
} from './studio-form.ts';
import { StudioNav } from './studio-nav.tsx';

type Kind = 'video' | 'live';

interface Fields {
  readonly title: string;
  readonly description: string;
  readonly kind: Kind;
  readonly videoId: string;
  readonly startsAt: string;
  readonly capacity: string;
  readonly price: string;
  readonly currency: string;
}

type FieldName = 'title' | 'description' | 'videoId' | 'startsAt' | 'capacity' | 'price';
type Errors = Partial<Record<FieldName, string>>;

function timeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

function fieldsOf(show: Show): Fields {
  return {
    title: show.title,
    description: show.description ?? '',
    kind: 'video',
    videoId: show.videoId ?? '',
    startsAt: isoToLocalInput(show.startsAt),
    capacity: String(show.capacity),
    price: fromMinorUnits(show.price.amount, show.price.currency),
    currency: show.price.currency,
  };
}

/** The form's checks; the body to send when they pass. */
function validate(
  fields: Fields,
  isNew: boolean,
  t: StudioT,
): { readonly errors: Errors; readonly body: ShowInput | null } {
  const errors: Errors = {};
  const code = fields.currency.toUpperCase();
  if (fields.title.trim() === '') errors.title = t('titleMissing');
  const startsAt = fields.startsAt === '' ? null : localInputToIso(fields.startsAt);
  if (!startsAt) errors.startsAt = t('startsMissing');
  else if (Date.parse(startsAt) <= Date.now()) errors.startsAt = t('startsPast');
  const capacity = Number(fields.capacity);
  if (!/^\d+$/.test(fields.capacity.trim()) || capacity < 1 || capacity > MAX_CAPACITY)
    errors.capacity = t('capacityInvalid', { max: MAX_CAPACITY });
  const price = toMinorUnits(fields.price, fields.currency);
  if (!price.ok) {
    const key: PriceError = price.error;
    errors.price = t(key, { currency: code, digits: minorDigits(fields.currency) ?? 2 });
  }
  if (isNew && fields.kind === 'video' && fields.videoId === '') errors.videoId = t('videoMissing');
  if (Object.keys(errors).length > 0 || !startsAt || !price.ok) return { errors, body: null };
  const description = fields.description.trim();
  return {
    errors,
    body: {
      title: fields.title.trim(),
      ...(description === '' ? {} : { description }),
      startsAt,
      capacity,
      price: { amount: price.amount, currency: fields.currency },
      ...(isNew && fields.kind === 'video' ? { videoId: fields.videoId } : {}),
    },
  };
}

/** What an edit changes: only those members go in the PATCH. */
function changes(show: Show, body: ShowInput): Partial<ShowInput> {
  const patch: Record<string, unknown> = {};
  if (body.title !== show.title) patch.title = body.title;
  if ((body.description ?? '') !== (show.description ?? '')) patch.description = body.description ?? '';
  if (Date.parse(body.startsAt) !== Date.parse(show.startsAt)) patch.startsAt = body.startsAt;
  if (body.capacity !== show.capacity) patch.capacity = body.capacity;
  if (body.price.amount !== show.price.amount || body.price.currency !== show.price.currency.toLowerCase())
    patch.price = body.price;
  return patch as Partial<ShowInput>;
}

/** A refusal named by the server placed at its field: pointers first, then the kinds with a field of their own. */
function refusalErrors(error: unknown, t: StudioT): Errors {
  if (!(error instanceof ApiError) || !error.problem) return {};
  const found: Errors = {};
  for (const item of error.problem.errors ?? []) {
    const field = (item.pointer ?? '').replace(/^#?\//, '').split('/')[0] as FieldName;
    if (['title', 'description', 'videoId', 'startsAt', 'capacity', 'price'].includes(field) && !found[field])
      found[field] = item.detail;
  }
  const kind = problemKind(error.problem);
  if (kind === 'price-locked') found.price = t('priceLocked');
  if (kind.includes('capacity')) found.capacity = t('capacityBelowSold');
  return found;
}

/** Refusals whose sentence is shown at their field alone (saying it twice is noise). */
function saidAtItsField(error: unknown): boolean {
  if (!(error instanceof ApiError) || !error.problem) return false;
  const kind = problemKind(error.problem);
  return kind === 'price-locked' || kind === 'capacity-below-sold';
}

function ShowForm({ show, onSaved }: { readonly show: Show | null; readonly onSaved?: () => void }) {
  const t = useT(messages);
  const { language } = useLanguage();
  const { route } = useLocation();
  const isNew = show === null;
  const chosenVideo = useQueryValue('video');
  const [fields, setFields] = useState<Fields>(() =>
    show
      ? fieldsOf(show)
      : {
          title: '',
          description: '',
          kind: 'video',
          videoId: chosenVideo,
          startsAt: '',
          capacity: '100',
          price: '',
          currency: 'eur',
        },
  );
  const [errors, setErrors] = useState<Errors>({});
  const [saved, setSaved] = useState(false);
  const submission = useFormSubmission();
  // after a refused submission, the first field in error takes focus (its message is read with it)
  const form = useRef<HTMLFormElement>(null);
  const [focusRequest, setFocusRequest] = useState(0);
  useEffect(() => {
    if (focusRequest > 0) form.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [focusRequest]);
  const videos = useResource((signal) => (isNew ? listVideos(signal) : Promise.resolve(null)), [isNew]);
  const zone = useMemo(timeZone, []);
  const set = (name: keyof Fields) => (event: Event) => {
    const value = (event.currentTarget as HTMLInputElement).value;
    setFields((current) => ({ ...current, [name]: value }));
    setSaved(false);
  };

  const utc = fields.startsAt ? localInputToIso(fields.startsAt) : null;
  const digits = minorDigits(fields.currency) ?? 2;
  const currencyOptions = [...new Set<string>([...COMMON_CURRENCIES, fields.currency])].map((code) => ({
    value: code,
    label: code.toUpperCase(),
  }));
  // not failed, not a live recording (a live show makes its own), not an upload that never came
  const videoOptions = (videos.data?.items ?? []).filter(
    (video) => video.status !== 'failed' && video.status !== 'live' && video.status !== 'awaiting_upload',
  );

  const submit = (event: Event) => {
    event.preventDefault();
    if (submission.sending()) return;
    const checked = validate(fields, isNew, t);
    setErrors(checked.errors);
    if (Object.keys(checked.errors).length > 0) setFocusRequest((value) => value + 1);
    const body = checked.body;
    if (!body) return;
    void submission.send(async () => {
      try {
        if (isNew) {
          const created = await createShow(body);
          route(
            fields.kind === 'live'
              ? `/studio/live?show=${encodeURIComponent(created.id)}`
              : `/studio/shows/${encodeURIComponent(created.id)}?created=1`,
          );
          return;
        }
        const patch = changes(show, body);
        if (Object.keys(patch).length > 0) await updateShow(show.id, patch);
        setSaved(true);
        onSaved?.();
      } catch (error) {
        setErrors(refusalErrors(error, t));
        setFocusRequest((value) => value + 1);
        throw error;
      }
    });
  };

  return (
    <form ref={form} onSubmit={submit} noValidate aria-busy={submission.busy ? 'true' : undefined}>
      <TextField
        label={t('showTitleLabel')}
        hint={t('showTitleHint')}
        error={errors.title}
        value={fields.title}
        maxLength={200}
        required
        autoComplete="off"
        onInput={set('title')}
      />
      <TextAreaField
        label={t('descriptionLabel')}
        hint={t('descriptionHint')}
        error={errors.description}
        value={fields.description}
        maxLength={4000}
        rows={4}
        onInput={set('description')}
      />
      {isNew ? (
        <fieldset class="field studio-kind">
          <legend>{t('kindLegend')}</legend>
          {(['video', 'live'] as const).map((kind) => (
            <label key={kind}>
              <input
                type="radio"
                name="kind"
                value={kind}
                checked={fields.kind === kind}
                onChange={() => setFields((current) => ({ ...current, kind }))}
              />
              {kind === 'video' ? t('kindVideo') : t('kindLive')}
            </label>
          ))}
        </fieldset>
      ) : null}
      {isNew && fields.kind === 'video' ? (
        videos.status === 'ready' && videoOptions.length === 0 ? (
          <Notice tone="info">
            <p>{t('noVideos')}</p>
            <p>
              <a href="/studio/videos/new">{t('uploadFirst')}</a>
            </p>
          </Notice>
        ) : (
          <SelectField
            label={t('videoLabel')}
            hint={t('videoHint')}
            error={errors.videoId}
            value={fields.videoId}
            required
            onChange={set('videoId')}
            options={[
              { value: '', label: t('videoChoose') },
              ...videoOptions.map((video) => ({
                value: video.id,
                label: `${video.title} · ${t(`video.${video.status}`)}`,
              })),
              // a video chosen on the upload page that the list (still loading) does not hold yet
              ...(fields.videoId && !videoOptions.some((video) => video.id === fields.videoId)
                ? [{ value: fields.videoId, label: fields.videoId }]
                : []),
            ]}
          />
        )
      ) : null}
      {videos.error ? <ErrorMessage error={videos.error} onRetry={videos.reload} /> : null}
      <TextField
        type="datetime-local"
        label={t('startsLabel')}
        hint={
          utc
            ? t('startsHintUtc', { zone, utc: utc.slice(0, 16).replace('T', ' ') })
            : t('startsHint', { zone })
        }
        error={errors.startsAt}
        value={fields.startsAt}
        required
        onInput={set('startsAt')}
      />
      <TextField
        type="number"
        inputMode="numeric"
        min={1}
        max={MAX_CAPACITY}
        step={1}
        label={t('capacityLabel')}
        hint={t('capacityHint', { max: formatNumber(language, MAX_CAPACITY) })}
        error={errors.capacity}
        value={fields.capacity}
        required
        onInput={set('capacity')}
      />
      <div class="studio-price">
        <TextField
          inputMode="decimal"
          label={t('priceLabel')}
          hint={
            digits === 0
              ? t('priceHintWhole', { currency: fields.currency.toUpperCase() })
              : t('priceHint', { currency: fields.currency.toUpperCase(), digits })
          }
          error={errors.price}
          value={fields.price}
          required
          autoComplete="off"
          onInput={set('price')}
        />
        <SelectField
          label={t('currencyLabel')}
          value={fields.currency}
          options={currencyOptions}
          onChange={set('currency')}
        />
      </div>
      {submission.failure && !saidAtItsField(submission.failure) ? (
        <ErrorMessage error={submission.failure} />
      ) : null}
      {saved ? (
        <div role="status">
          <Notice tone="success">
            <p>{t('saved')}</p>
          </Notice>
        </div>
      ) : null}
      <div class="actions">
        <Button type="submit" busy={submission.busy}>
          {isNew ? t('submitCreate') : t('submitSave')}
        </Button>
      </div>
    </form>
  );
}

export default function ShowEditor() {
  const t = useT(messages);
  const { language } = useLanguage();
  const { params } = useRoute();
  const id = typeof params.id === 'string' && params.id !== 'new' ? params.id : null;
  const justCreated = useQueryValue('created') === '1';
  const show = useResource((signal) => (id ? getShow(id, signal) : Promise.resolve(null)), [id]);

  if (!id) {
    return (
      <section>
        <StudioNav />
        <PageTitle title={t('newShowTitle')}>{t('newShowTitle')}</PageTitle>
        <p>{t('showIntro')}</p>
        <ShowForm show={null} />
      </section>
    );
  }
  const loaded = show.data;
  const title = loaded ? t('editShowTitle', { title: loaded.title }) : t('showLoading');
  return (
    <section>
      <StudioNav />
      <PageTitle title={title}>{title}</PageTitle>
      {justCreated ? (
        <Notice tone="success">
          <p>{t('created')}</p>
        </Notice>
      ) : null}
      {show.status === 'loading' && !loaded ? <Loading label={t('showLoading')} /> : null}
      {show.error ? <ErrorMessage error={show.error} onRetry={show.reload} /> : null}
      {loaded ? (
        <>
          <p>
            {t('soldSummary', {
              available: formatNumber(language, loaded.seatsAvailable),
              capacity: formatNumber(language, loaded.capacity),
            })}
          </p>
          <div class="actions">
            <ButtonLink href={`/studio/shows/${encodeURIComponent(loaded.id)}/audience`}>
              {t('audience')}
            </ButtonLink>
            {loaded.videoId === null || loaded.liveStreamId ? (
              <ButtonLink href={`/studio/live?show=${encodeURIComponent(loaded.id)}`}>
                {t('goLiveForShow')}
              </ButtonLink>
            ) : null}
            <ButtonLink href={`/shows/${encodeURIComponent(loaded.id)}`}>{t('viewAsViewer')}</ButtonLink>
          </div>
          <ShowForm key={loaded.id} show={loaded} onSaved={show.reload} />
        </>
      ) : null}
    </section>
  );
}

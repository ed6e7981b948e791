import { useState } from 'preact/hooks';
/** Pieces the viewer pages share: a show's facts (time, price, seats, state) and its poster. */
import { StatusBadge, type Tone } from '../app/components/feedback.tsx';
import { useLanguage, useT } from '../app/i18n.tsx';
import { catalogueMessages } from './catalogue-messages.ts';
import { formatPrice, formatShowTime, seatsKey } from './format.ts';
import { type Show, type ShowState, showState } from './model.ts';

const STATE_TONES: Readonly<Record<ShowState, Tone>> = {
  upcoming: 'info',
  live: 'danger',
  on_demand: 'success',
  ended: 'neutral',
  cancelled: 'warning',
};

export function StateBadge({ show }: { readonly show: Show }) {
  const t = useT(catalogueMessages);
  const state = showState(show);
  return <StatusBadge tone={STATE_TONES[state]}>{t(`state.${state}`)}</StatusBadge>;
}

export function SeatsLeft({ show }: { readonly show: Show }) {
  const t = useT(catalogueMessages);
  const seats = seatsKey(show.seatsAvailable);
  return (
    <span class={seats.key === 'soldOut' ? 'sold-out' : undefined}>
      {t(seats.key, { count: seats.count })}
    </span>
  );
}

/** Start, price and seats as a definition list. */
export function ShowFacts({ show }: { readonly show: Show }) {
  const t = useT(catalogueMessages);
  const { language } = useLanguage();
  const state = showState(show);
  return (
    <dl class="show-facts">
      <div>
        <dt>{t('startsAt')}</dt>
        <dd>
          <time dateTime={show.startsAt}>{formatShowTime(language, show.startsAt)}</time>
        </dd>
      </div>
      <div>
        <dt>{t('price')}</dt>
        <dd>{formatPrice(language, show.price)}</dd>
      </div>
      {state === 'upcoming' ? (
        <div>
          <dt>{t('seats')}</dt>
          <dd>
            <SeatsLeft show={show} />
          </dd>
        </div>
      ) : null}
    </dl>
  );
}

/** The poster, or a plain panel of the same shape (no broken image when a show has none). */
export function Poster({ show, eager = false }: { readonly show: Show; readonly eager?: boolean }) {
  const [failed, setFailed] = useState(false);
  if (!show.posterUrl || failed) return <div class="poster poster-empty" aria-hidden="true" />;
  // decorative beside the title (the title says what it is); alt="" keeps it out of the reading
  return (
    <img
      class="poster"
      src={show.posterUrl}
      alt=""
      width={640}
      height={360}
      loading={eager ? 'eager' : 'lazy'}
      decoding="async"
      onError={() => setFailed(true)}
    />
  );
}

/**
 * `/shows/:id`: a show's page (public). Description, start in the viewer's zone, price, seats,
 * and the buy form: a signed-in person picks a quantity and goes to Stripe Checkout; a signed-out
 * one gets "Sign in to buy" and "Create an account", each coming back here. `?checkout=cancelled`
 * (Stripe's cancel URL) says nothing was charged.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, signInUrl } from '../app/api.ts';
import { Button } from '../app/components/button.tsx';
import { Loading, Notice } from '../app/components/feedback.tsx';
import { TextField } from '../app/components/fields.tsx';
import { PageTitle } from '../app/components/page.tsx';
import { useFormSubmission } from '../app/form-submission.ts';
import { useLanguage, useT } from '../app/i18n.tsx';
import { useResource } from '../app/resource.ts';
import { useSessionContext } from '../app/session.tsx';
import { catalogueMessages } from './catalogue-messages.ts';
import { ShowsError } from './error-view.tsx';
import { formatPrice } from './format.ts';
import { setPageMeta } from './meta.ts';
import { buyable, type Checkout, type Show, showPath, showState } from './model.ts';
import { useQuery } from './paged-list.ts';
import { showsMessages } from './pages-messages.ts';
import { Poster, ShowFacts, StateBadge } from './show-view.tsx';

/** The API's limit per order (functions/shows/schema.ts MAX_SEATS_PER_ORDER). */
export const MAX_PER_ORDER = 10;

function BuyForm({ show }: { readonly show: Show }) {
  const t = useT(showsMessages);
  const { language } = useLanguage();
  const max = Math.max(1, Math.min(MAX_PER_ORDER, show.seatsAvailable));
  const [quantity, setQuantity] = useState('1');
  const [invalid, setInvalid] = useState(false);
  const [leaving, setLeaving] = useState(false);
  const form = useFormSubmission();
  const count = Number(quantity);
  const valid = Number.isInteger(count) && count >= 1 && count <= max;
  const total = formatPrice(language, { ...show.price, amount: show.price.amount * (valid ? count : 1) });
  return (
    <form
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        if (form.sending()) return;
        setInvalid(!valid);
        if (!valid) return;
        void form.send(async () => {
          const checkout = await api.post<Checkout>(`${showPath(show.id)}/checkout`, { quantity: count });
          setLeaving(true);
          location.assign(checkout.checkoutUrl);
        });
      }}
    >
      <TextField
        label={t('quantity')}
        hint={t('quantityHint', { max })}
        error={invalid ? t('quantityInvalid', { max }) : form.errors.quantity}
        type="number"
        inputMode="numeric"
        min={1}
        max={max}
        step={1}
        value={quantity}
        onInput={(event) => setQuantity(event.currentTarget.value)}
        required
      />
      <Button type="submit" busy={form.busy || leaving}>
        {count === 1 || !valid ? t('buyOne', { total }) : t('buy', { count, total })}
      </Button>
      {leaving ? (
        <p role="status" class="field-hint">
          {t('toCheckout')}
        </p>
      ) : null}
      {form.failure ? <ShowsError error={form.failure} /> : null}
    </form>
  );
}

function BuySection({ show }: { readonly show: Show }) {
  const t = useT(showsMessages);
  const { state: session } = useSessionContext();
  const state = showState(show);
  const here = showPath(show.id);
  let body: ComponentChildren;
  if (state === 'cancelled') body = <p>{t('cancelledBody')}</p>;
  else if (buyable(show)) {
    body =
      session.status === 'signed-in' ? (
        <BuyForm show={show} />
      ) : session.status === 'signed-out' ? (
        <>
          <p>{t('signedOutBuyHint')}</p>
          <div class="actions">
            <a class="button button-primary" href={signInUrl(here)}>
              {t('signInToBuy')}
            </a>
            <a class="button button-secondary" href={signInUrl(here, true)}>
              {t('createAccountToBuy')}
            </a>
          </div>
        </>
      ) : (
        <Loading />
      );
  } else if (state === 'upcoming' && show.seatsAvailable <= 0)
    body = <p class="sold-out">{t('soldOutBody')}</p>;
  else if (state === 'ended') body = <p>{t('endedBody')}</p>;
  else body = <p>{t('notOnSale')}</p>;
  return (
    <section class="panel" aria-labelledby="buy-heading">
      <h2 id="buy-heading">{t('buyHeading')}</h2>
      {body}
      {state === 'live' || state === 'on_demand' ? (
        <p>
          <a class="button button-primary" href={`/watch/${encodeURIComponent(show.id)}`}>
            {t('watchLink')}
          </a>
        </p>
      ) : null}
    </section>
  );
}

export default function ShowPage({ params }: { readonly params?: { readonly id?: string } }) {
  const t = useT(showsMessages);
  const id = params?.id ?? '';
  const tc = useT(catalogueMessages);
  const cancelled = useQuery('checkout') === 'cancelled';
  const show = useResource((signal) => api.get<Show>(showPath(id), { signal }), [id]);
  const data = show.data;
  useEffect(() => {
    if (!data) return;
    setPageMeta({
      title: data.title,
      description: data.description ?? t('noDescription'),
      image: data.posterUrl ?? null,
      type: 'video.other',
    });
  }, [data, t]);
  if (!data) {
    return show.status === 'failed' ? <ShowsError error={show.error} onRetry={show.reload} /> : <Loading />;
  }
  return (
    <article class="show-page">
      <p>
        <a href="/shows">← {tc('backToShows')}</a>
      </p>
      {cancelled ? <Notice tone="warning">{t('checkoutCancelled')}</Notice> : null}
      {/* a show without a picture (a live show before it starts) gets no empty frame */}
      <div class={data.posterUrl ? 'show-page-layout' : 'show-page-layout no-poster'}>
        {data.posterUrl ? (
          <div>
            <Poster show={data} eager />
          </div>
        ) : null}
        <div>
          <PageTitle title={data.title}>{data.title}</PageTitle>
          <p class="show-card-meta">
            <StateBadge show={data} />
            {data.creatorName ? <span>{tc('by', { creator: data.creatorName })}</span> : null}
          </p>
          <ShowFacts show={data} />
          <BuySection show={data} />
        </div>
      </div>
      <div class="show-description">
        {(data.description ?? t('noDescription')).split(/\n{2,}/).map((paragraph) => (
          <p key={paragraph}>{paragraph}</p>
        ))}
      </div>
    </article>
  );
}

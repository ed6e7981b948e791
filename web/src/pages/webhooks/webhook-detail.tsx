/**
 * `/webhooks/:id`: one endpoint. Why it is disabled (when it is), "Send test event" with what the
 * receiver answered, the recent deliveries with "Redeliver", the secret's rotation (the new one
 * shown once), enable/disable, the edit form and deletion behind a confirmation.
 */
import './webhooks.css';
import { useEffect, useState } from 'preact/hooks';
import { useLocation, useRoute } from 'preact-iso';
import {
  Button,
  ButtonLink,
  type Column,
  ConfirmButton,
  DataTable,
  ErrorMessage,
  Loading,
  Notice,
  PageTitle,
  Properties,
  ShownOncePanel,
  StatusBadge,
  useToast,
} from '../../app/components/index.ts';
import { ShowMore, usePagedList } from '../../app/components/page-kit.tsx';
import { useFormSubmission, useRowAction } from '../../app/form-submission.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime, formatNumber } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { EndpointForm } from './endpoint-form.tsx';
import { messages } from './messages.ts';
import {
  type AttemptOutcome,
  deliveryTone,
  type EndpointRequest,
  endpointChanges,
  mayRedeliver,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './webhook-model.ts';
import {
  deleteEndpoint,
  getEndpoint,
  listDeliveries,
  redeliver,
  rotateSecret,
  sendTestEvent,
  updateEndpoint,
} from './webhooks-api.ts';
import { EndpointState } from './webhooks-list.tsx';

/** While a delivery is still being tried, the log is read again this often. */
const REFRESH_WHILE_PENDING_MS = 3000;

function TestEvent({
  endpoint,
  onSent,
}: {
  readonly endpoint: WebhookEndpoint;
  readonly onSent: () => void;
}) {
  const t = useT(messages);
  const { language } = useLanguage();
  const { busy, failure, send } = useFormSubmission();
  const [outcome, setOutcome] = useState<AttemptOutcome | null>(null);
  const latency = (value: number | null) =>
    value === null ? '—' : t('milliseconds', { value: formatNumber(language, Math.round(value)) });
  return (
    <section aria-labelledby="test-event" class="webhook-section">
      <h2 id="test-event">{t('testHeading')}</h2>
      <p>{t('testIntro')}</p>
      <div class="actions">
        <Button
          busy={busy}
          onClick={() =>
            send(async () => {
              setOutcome(null);
              setOutcome(await sendTestEvent(endpoint.id));
              onSent();
            })
          }
        >
          {t('sendTest')}
        </Button>
      </div>
      <div role="status">
        {outcome ? (
          <Notice tone={outcome.ok ? 'success' : 'danger'}>
            <p>
              {outcome.ok
                ? outcome.statusCode !== null
                  ? t('testOk', { code: outcome.statusCode, latency: latency(outcome.latencyMs) })
                  : t('testOkNoCode')
                : t('testFailed', {
                    detail: [
                      outcome.statusCode !== null
                        ? t('testAnswered', { code: outcome.statusCode })
                        : t('testNoAnswer'),
                      outcome.error,
                    ]
                      .filter(Boolean)
                      .join('; '),
                  })}
            </p>
          </Notice>
        ) : null}
      </div>
      {failure ? <ErrorMessage error={failure} /> : null}
    </section>
  );
}

function Deliveries({
  endpoint,
  generation,
}: {
  readonly endpoint: WebhookEndpoint;
  readonly generation: number;
}) {
  const t = useT(messages);
  const { language } = useLanguage();
  const toast = useToast();
  const { failure, run } = useRowAction();
  const list = usePagedList((cursor, signal) => listDeliveries(endpoint.id, cursor, signal), endpoint.id);
  const { reload } = list;
  // the test event's delivery (and a redelivery) shows up without a click
  useEffect(() => {
    if (generation > 0) reload();
  }, [generation, reload]);
  const stillTrying = list.items.some((delivery) => delivery.status === 'pending');
  useEffect(() => {
    if (!stillTrying || list.status !== 'ready') return;
    const timer = setTimeout(reload, REFRESH_WHILE_PENDING_MS);
    return () => clearTimeout(timer);
  }, [stillTrying, list.status, list.items, reload]);

  const columns: Column<WebhookDelivery>[] = [
    {
      header: t('columnEvent'),
      cell: (delivery) => (
        <>
          <code class="mono">{delivery.eventType}</code>
          <span class="webhook-note mono" title={delivery.eventId}>
            {delivery.eventId}
          </span>
        </>
      ),
    },
    {
      header: t('columnStatus'),
      cell: (delivery) => {
        return (
          <>
            <StatusBadge tone={deliveryTone(delivery.status)}>{t(`delivery.${delivery.status}`)}</StatusBadge>
            {delivery.nextAttemptAt && delivery.status === 'pending' ? (
              <span class="webhook-note">
                {t('nextAttempt', { at: formatDateTime(language, delivery.nextAttemptAt) })}
              </span>
            ) : null}
          </>
        );
      },
    },
    {
      header: t('columnAttempts'),
      numeric: true,
      cell: (delivery) => formatNumber(language, delivery.attempts),
    },
    {
      header: t('columnCode'),
      numeric: true,
      cell: (delivery) => (delivery.responseCode === null ? '—' : String(delivery.responseCode)),
    },
    {
      header: t('columnLatency'),
      numeric: true,
      cell: (delivery) =>
        delivery.latencyMs === null
          ? '—'
          : t('milliseconds', { value: formatNumber(language, Math.round(delivery.latencyMs)) }),
    },
    { header: t('columnTime'), cell: (delivery) => formatDateTime(language, delivery.createdAt) },
    {
      header: t('columnError'),
      cell: (delivery) =>
        delivery.lastError ? <span class="webhook-error">{delivery.lastError}</span> : '—',
    },
    {
      header: t('columnActions'),
      cell: (delivery) =>
        mayRedeliver(delivery) ? (
          <Button
            variant="secondary"
            aria-label={t('redeliverOf', { event: delivery.eventId || delivery.eventType })}
            onClick={() =>
              run(async () => {
                const outcome = await redeliver(delivery.id);
                toast(
                  outcome.ok
                    ? t('redelivered', { event: delivery.eventType, code: outcome.statusCode ?? '—' })
                    : t('redeliveryFailed', {
                        event: delivery.eventType,
                        detail: outcome.error ?? t('testAnswered', { code: outcome.statusCode ?? '—' }),
                      }),
                  outcome.ok ? 'success' : 'warning',
                );
                reload();
              })
            }
          >
            {t('redeliver')}
          </Button>
        ) : (
          '—'
        ),
    },
  ];

  return (
    <section aria-labelledby="deliveries" class="webhook-section">
      <h2 id="deliveries">{t('deliveriesHeading')}</h2>
      <div class="actions">
        <Button
          variant="secondary"
          busy={list.status === 'loading' && list.items.length > 0}
          onClick={reload}
        >
          {t('refresh')}
        </Button>
      </div>
      {failure ? <ErrorMessage error={failure} /> : null}
      {list.status === 'loading' && list.items.length === 0 ? (
        <Loading label={t('loadingDeliveries')} />
      ) : null}
      {list.error ? <ErrorMessage error={list.error} onRetry={reload} /> : null}
      {list.status !== 'loading' || list.items.length > 0 ? (
        <DataTable
          stacked
          caption={t('deliveriesCaption', { url: endpoint.url })}
          columns={columns}
          rows={list.items}
          rowKey={(delivery) => delivery.id}
          empty={<p>{t('deliveriesEmpty')}</p>}
        />
      ) : null}
      <ShowMore list={list} label={t('showMore')} />
    </section>
  );
}

function EditEndpoint({
  endpoint,
  onSaved,
}: {
  readonly endpoint: WebhookEndpoint;
  readonly onSaved: (endpoint: WebhookEndpoint) => void;
}) {
  const t = useT(messages);
  const toast = useToast();
  async function save(request: EndpointRequest) {
    const changes = endpointChanges(endpoint, request);
    if (Object.keys(changes).length === 0) {
      toast(t('nothingChanged'), 'info');
      return;
    }
    onSaved(await updateEndpoint(endpoint.id, changes));
    toast(t('saved'), 'success');
  }
  return (
    <section aria-labelledby="edit-endpoint" class="webhook-section">
      <h2 id="edit-endpoint">{t('editHeading')}</h2>
      <EndpointForm endpoint={endpoint} submitLabel={t('save')} submit={save} />
    </section>
  );
}

export default function WebhookDetail() {
  const t = useT(messages);
  const { language } = useLanguage();
  const toast = useToast();
  const { route } = useLocation();
  const { params } = useRoute();
  const id = typeof params.id === 'string' ? params.id : '';
  const loaded = useResource((signal) => getEndpoint(id, signal), [id]);
  // what a PATCH or rotation answered replaces what was loaded, without another read
  const [latest, setLatest] = useState<WebhookEndpoint | null>(null);
  const endpoint = latest && latest.id === id ? latest : (loaded.data ?? null);
  const [secret, setSecret] = useState<{ value: string; until: string | null } | null>(null);
  const [deliveriesGeneration, setDeliveriesGeneration] = useState(0);
  const { failure, run } = useRowAction();

  const setEnabled = (enabled: boolean) =>
    run(async () => {
      if (!endpoint) return;
      setLatest(await updateEndpoint(endpoint.id, { enabled }));
      toast(t(enabled ? 'enabledToast' : 'disabledToast'), 'success');
    });

  return (
    <section>
      <PageTitle title={t('detailTitle')}>{t('detailTitle')}</PageTitle>
      <p>
        <a href="/webhooks">{t('backToList')}</a>
      </p>
      {loaded.status === 'loading' && !endpoint ? <Loading label={t('loadingEndpoint')} /> : null}
      {loaded.status === 'failed' ? <ErrorMessage error={loaded.error} onRetry={loaded.reload} /> : null}
      {endpoint ? (
        <>
          {!endpoint.enabled ? (
            <Notice tone="warning">
              {endpoint.disabledReason ? (
                <p>
                  {t('disabledNotice', {
                    at: formatDateTime(language, endpoint.disabledAt),
                    reason: endpoint.disabledReason,
                  })}
                </p>
              ) : null}
              <p>{t('disabledNoticeManual')}</p>
            </Notice>
          ) : endpoint.failingSince ? (
            <Notice tone="warning">
              <p>{t('failingNotice', { at: formatDateTime(language, endpoint.failingSince) })}</p>
            </Notice>
          ) : null}
          <Properties
            items={[
              { term: t('columnUrl'), value: <span class="mono webhook-url">{endpoint.url}</span> },
              { term: t('columnDescription'), value: endpoint.description ?? '—' },
              {
                term: t('columnEventTypes'),
                value: <span class="mono">{endpoint.eventTypes.join(', ') || '—'}</span>,
              },
              { term: t('columnStatus'), value: <EndpointState endpoint={endpoint} /> },
              { term: t('columnCreated'), value: formatDateTime(language, endpoint.createdAt) },
              ...(endpoint.previousSecretExpiresAt &&
              Date.parse(endpoint.previousSecretExpiresAt) > Date.now()
                ? [
                    {
                      term: t('previousSecret'),
                      value: formatDateTime(language, endpoint.previousSecretExpiresAt),
                    },
                  ]
                : []),
            ]}
          />
          {secret ? (
            <ShownOncePanel label={t('newSecretLabel')} secret={secret.value} onDone={() => setSecret(null)}>
              <p>
                {secret.until
                  ? t('rotated', { until: formatDateTime(language, secret.until) })
                  : t('rotatedNoTime')}
              </p>
            </ShownOncePanel>
          ) : null}
          {failure ? <ErrorMessage error={failure} /> : null}
          <div class="actions row-actions">
            {endpoint.enabled ? (
              <ConfirmButton
                variant="secondary"
                label={t('disable')}
                question={t('disableQuestion', { url: endpoint.url })}
                confirmLabel={t('disable')}
                onConfirm={() => setEnabled(false)}
              />
            ) : (
              <Button variant="secondary" onClick={() => setEnabled(true)}>
                {t('enable')}
              </Button>
            )}
            <ConfirmButton
              variant="secondary"
              label={t('rotate')}
              question={t('rotateQuestion', { url: endpoint.url })}
              confirmLabel={t('rotateConfirm')}
              onConfirm={() =>
                run(async () => {
                  const answer = await rotateSecret(endpoint.id);
                  setSecret({ value: answer.secret, until: answer.previousSecretExpiresAt });
                  setLatest({ ...endpoint, previousSecretExpiresAt: answer.previousSecretExpiresAt });
                })
              }
            />
            <ConfirmButton
              label={t('delete')}
              question={t('deleteQuestion', { url: endpoint.url })}
              confirmLabel={t('deleteConfirm')}
              onConfirm={() =>
                run(async () => {
                  await deleteEndpoint(endpoint.id);
                  route(`/webhooks?deleted=${encodeURIComponent(endpoint.url)}`);
                })
              }
            />
          </div>
          <TestEvent endpoint={endpoint} onSent={() => setDeliveriesGeneration((value) => value + 1)} />
          <Deliveries endpoint={endpoint} generation={deliveriesGeneration} />
          <EditEndpoint key={endpoint.id} endpoint={endpoint} onSaved={setLatest} />
        </>
      ) : null}
      <div class="actions">
        <ButtonLink href="/webhooks">{t('backToList')}</ButtonLink>
      </div>
    </section>
  );
}

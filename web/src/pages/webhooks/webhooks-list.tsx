/**
 * `/webhooks`: the organisation's endpoints with their state, and the form that registers one
 * (URL, description, event types by domain); the signing secret the API hands over is shown once.
 */
import './webhooks.css';
import { useState } from 'preact/hooks';
import {
  type Column,
  DataTable,
  ErrorMessage,
  Loading,
  Notice,
  PageTitle,
  ShownOncePanel,
  StatusBadge,
  useToast,
} from '../../app/components/index.ts';
import { useQueryValue } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { useSession } from '../../app/session.tsx';
import { EndpointForm } from './endpoint-form.tsx';
import { messages } from './messages.ts';
import { type EndpointRequest, endpointTone, type WebhookEndpoint } from './webhook-model.ts';
import { createEndpoint, listEndpoints } from './webhooks-api.ts';

export function EndpointState({ endpoint }: { readonly endpoint: WebhookEndpoint }) {
  const t = useT(messages);
  const key = !endpoint.enabled
    ? 'endpoint.disabled'
    : endpoint.failingSince
      ? 'endpoint.failing'
      : 'endpoint.enabled';
  return <StatusBadge tone={endpointTone(endpoint)}>{t(key)}</StatusBadge>;
}

export default function WebhooksList() {
  const t = useT(messages);
  const { language } = useLanguage();
  const toast = useToast();
  const session = useSession();
  const organisation = session.organisation?.name ?? '—';
  const deleted = useQueryValue('deleted');
  const endpoints = useResource((signal) => listEndpoints(signal), []);
  const [created, setCreated] = useState<{ id: string; url: string; secret: string } | null>(null);

  async function register(request: EndpointRequest) {
    const answer = await createEndpoint(request);
    setCreated({ id: answer.id, url: answer.url, secret: answer.secret });
    toast(t('registered'), 'success');
    endpoints.reload();
  }

  const columns: Column<WebhookEndpoint>[] = [
    {
      header: t('columnUrl'),
      cell: (endpoint) => <span class="mono webhook-url">{endpoint.url}</span>,
    },
    { header: t('columnDescription'), cell: (endpoint) => endpoint.description ?? '—' },
    {
      header: t('columnEventTypes'),
      cell: (endpoint) => (
        <span title={endpoint.eventTypes.join(', ')}>
          {endpoint.eventTypes.length === 1
            ? t('eventTypeOne')
            : t('eventTypeCount', { count: endpoint.eventTypes.length })}
        </span>
      ),
    },
    {
      header: t('columnStatus'),
      cell: (endpoint) => (
        <>
          <EndpointState endpoint={endpoint} />
          {/* the notice of a disabled endpoint, where the admin looks first */}
          {!endpoint.enabled && endpoint.disabledReason ? (
            <span class="webhook-note">{endpoint.disabledReason}</span>
          ) : null}
        </>
      ),
    },
    { header: t('columnCreated'), cell: (endpoint) => formatDateTime(language, endpoint.createdAt) },
    {
      header: t('columnActions'),
      cell: (endpoint) => (
        <a
          href={`/webhooks/${encodeURIComponent(endpoint.id)}`}
          aria-label={t('manageOf', { url: endpoint.url })}
        >
          {t('manage')}
        </a>
      ),
    },
  ];

  return (
    <section>
      <PageTitle title={t('title')}>{t('title')}</PageTitle>
      <p>{t('intro')}</p>
      {deleted ? (
        <Notice tone="success">
          <p class="webhook-url">{t('deleted', { url: deleted })}</p>
        </Notice>
      ) : null}
      <h2>{t('endpointsHeading')}</h2>
      {endpoints.status === 'loading' && !endpoints.data ? <Loading label={t('loadingEndpoints')} /> : null}
      {endpoints.status === 'failed' ? (
        <ErrorMessage error={endpoints.error} onRetry={endpoints.reload} />
      ) : null}
      {endpoints.data ? (
        <DataTable
          stacked
          caption={t('endpointsCaption', { organisation })}
          columns={columns}
          rows={endpoints.data}
          rowKey={(endpoint) => endpoint.id}
          empty={<p>{t('endpointsEmpty')}</p>}
        />
      ) : null}

      <h2 class="webhook-section">{t('createHeading')}</h2>
      {created ? (
        <ShownOncePanel label={t('secretLabel')} secret={created.secret} onDone={() => setCreated(null)}>
          <p class="webhook-url">{t('secretIntro', { url: created.url })}</p>
          {created.id ? (
            <p>
              <a href={`/webhooks/${encodeURIComponent(created.id)}`}>{t('secretNext')}</a>
            </p>
          ) : null}
        </ShownOncePanel>
      ) : null}
      <EndpointForm submitLabel={t('register')} submit={register} />
    </section>
  );
}

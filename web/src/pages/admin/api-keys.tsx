/** The organisation's API keys: create with chosen scopes (the key shown once), list, revoke with a confirmation. */
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../app/api.ts';
import {
  Button,
  CheckboxGroup,
  type Column,
  ConfirmButton,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  ShownOncePanel,
  StatusBadge,
  TextField,
  useToast,
} from '../../app/components/index.ts';
import { useFormSubmission, useRowAction } from '../../app/form-submission.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import { useResource } from '../../app/resource.ts';
import { useSession } from '../../app/session.tsx';
import { type ApiKeyView, checkKeyForm, grantableScopes, keyState, sortKeys } from './access.ts';
import { AdminNav } from './admin-nav.tsx';
import { messages } from './messages.ts';

export default function ApiKeys() {
  const t = useT(messages);
  const { language } = useLanguage();
  const toast = useToast();
  const session = useSession();
  const organisation = session.organisation?.name ?? '—';
  const keys = useResource((signal) => api.get<{ items: ApiKeyView[] }>('/api-keys', { signal }), []);
  const scopeOptions = grantableScopes(session.scopes).map((scope) => ({
    value: scope,
    label: t(`scope.${scope}`),
  }));
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>([]);
  const [expiresOn, setExpiresOn] = useState('');
  const { busy, failure, errors, setErrors, send, sending } = useFormSubmission();
  const { failure: rowFailure, run: runRowAction } = useRowAction();
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const now = new Date();

  async function create(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sending()) return;
    const check = checkKeyForm({ name, scopes, expiresOn }, session.scopes, new Date());
    if (!check.ok) {
      setErrors(Object.fromEntries(Object.entries(check.errors).map(([field, key]) => [field, t(key)])));
      return;
    }
    setErrors({});
    await send(async () => {
      const answer = await api.post<{ keyId: string; key: string; scopes: string[] }>(
        '/api-keys',
        check.request,
      );
      setCreated({ name: check.request.name, key: answer.key });
      setName('');
      setScopes([]);
      setExpiresOn('');
      keys.reload();
    });
  }

  const columns: Column<ApiKeyView>[] = [
    { header: t('keyName'), cell: (key) => key.name },
    { header: t('keyId'), cell: (key) => <code class="mono">{key.keyId}</code> },
    { header: t('scopes'), cell: (key) => <span class="mono">{key.scopes.join(', ')}</span> },
    { header: t('created'), cell: (key) => formatDateTime(language, key.createdAt) },
    {
      header: t('expires'),
      cell: (key) => (key.expiresAt ? formatDateTime(language, key.expiresAt) : t('never')),
    },
    {
      header: t('status'),
      cell: (key) => {
        const state = keyState(key, now);
        return (
          <StatusBadge tone={state === 'active' ? 'success' : 'neutral'}>{t(`key.${state}`)}</StatusBadge>
        );
      },
    },
    {
      header: t('actions'),
      cell: (key) =>
        keyState(key, now) === 'active' ? (
          <ConfirmButton
            label={t('revoke', { name: key.name })}
            question={t('revokeQuestion', { name: key.name })}
            onConfirm={() =>
              runRowAction(async () => {
                await api.delete(`/api-keys/${key.keyId}`);
                toast(t('revoked', { name: key.name }), 'success');
                keys.reload();
              })
            }
          />
        ) : (
          '—'
        ),
    },
  ];

  return (
    <section>
      <PageTitle title={t('keysTitle')}>{t('keysTitle')}</PageTitle>
      <AdminNav />
      {created ? (
        <ShownOncePanel
          label={t('keyLabel', { name: created.name })}
          secret={created.key}
          onDone={() => setCreated(null)}
        >
          <p>{t('keyIntro')}</p>
        </ShownOncePanel>
      ) : null}

      <h2>{t('createKeyHeading')}</h2>
      <p>{t('createKeyIntro')}</p>
      <form onSubmit={create} noValidate aria-busy={busy ? 'true' : undefined}>
        <TextField
          label={t('keyName')}
          hint={t('keyNameHint')}
          value={name}
          maxLength={200}
          autocomplete="off"
          onInput={(event) => setName(event.currentTarget.value)}
          error={errors.name}
          required
        />
        <CheckboxGroup
          legend={t('scopes')}
          options={scopeOptions}
          selected={scopes}
          onChange={setScopes}
          error={errors.scopes}
        />
        <TextField
          label={t('keyExpiresOn')}
          hint={t('keyExpiresHint')}
          type="date"
          value={expiresOn}
          onInput={(event) => setExpiresOn(event.currentTarget.value)}
          error={errors.expiresOn ?? errors.expiresAt}
        />
        {failure ? <ErrorMessage error={failure} /> : null}
        <div class="actions">
          <Button type="submit" busy={busy}>
            {t('createKey')}
          </Button>
        </div>
      </form>

      <h2>{t('keysListHeading')}</h2>
      {rowFailure ? <ErrorMessage error={rowFailure} /> : null}
      {keys.status === 'loading' && !keys.data ? <Loading label={t('loadingKeys')} /> : null}
      {keys.status === 'failed' ? <ErrorMessage error={keys.error} onRetry={keys.reload} /> : null}
      {keys.data ? (
        <DataTable
          stacked
          caption={t('keysCaption', { organisation })}
          columns={columns}
          rows={sortKeys(keys.data.items, now)}
          rowKey={(key) => key.keyId}
          empty={<p>{t('keysEmpty')}</p>}
        />
      ) : null}
    </section>
  );
}

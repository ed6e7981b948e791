/** Every organisation (newest first, Show more) and creating one with its first API key, shown once. */
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../app/api.ts';
import {
  Button,
  CheckboxGroup,
  type Column,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  SelectField,
  ShownOncePanel,
  TextField,
  useToast,
} from '../../app/components/index.ts';
import { ShowMore, usePagedList } from '../../app/components/page-kit.tsx';
import { useFormSubmission } from '../../app/form-submission.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import type { Page } from '../../app/license-view.ts';
import { API_KEY_SCOPES } from '../admin/access.ts';
import { messages as adminMessages } from '../admin/messages.ts';
import { messages } from './messages.ts';
import { OperatorNav } from './operator-nav.tsx';
import {
  type CreatedOrganisation,
  checkOrgForm,
  isOrgKind,
  ORG_KINDS,
  type OrganisationView,
  type OrgKind,
  suggestedScopes,
} from './platform.ts';

const KINDS_SHOWN = ['designer', 'licensee', 'integrator', 'creator', 'viewer', 'operator'] as const;

export default function Organisations() {
  const t = useT(messages);
  const scopeText = useT(adminMessages);
  const { language } = useLanguage();
  const toast = useToast();
  const orgs = usePagedList<OrganisationView>(
    (cursor, signal) =>
      api.get<Page<OrganisationView>>(`/orgs?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { signal }),
    'orgs',
  );
  const [name, setName] = useState('');
  const [kind, setKind] = useState<OrgKind>('designer');
  const [scopes, setScopes] = useState<string[]>(suggestedScopes('designer'));
  const { busy, failure, errors, setErrors, send, sending } = useFormSubmission();
  const [created, setCreated] = useState<CreatedOrganisation | null>(null);

  const kindLabel = (value: string) =>
    (KINDS_SHOWN as readonly string[]).includes(value)
      ? t(`kind.${value as (typeof KINDS_SHOWN)[number]}`)
      : value;

  async function create(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sending()) return;
    const check = checkOrgForm({ name, kind, scopes });
    if (!check.ok) {
      setErrors(Object.fromEntries(Object.entries(check.errors).map(([field, key]) => [field, t(key)])));
      return;
    }
    setErrors({});
    await send(async () => {
      const organisation = await api.post<CreatedOrganisation>('/orgs', check.request);
      setCreated(organisation);
      toast(t('createdOrg', { name: organisation.name, id: organisation.id }), 'success');
      setName('');
      orgs.reload();
    });
  }

  const columns: Column<OrganisationView>[] = [
    { header: t('orgName'), cell: (org) => org.name },
    { header: t('kind'), cell: (org) => kindLabel(org.kind) },
    { header: t('id'), cell: (org) => <code class="mono">{org.id}</code> },
    { header: t('created'), cell: (org) => formatDateTime(language, org.createdAt) },
  ];

  return (
    <section>
      <PageTitle title={t('orgsTitle')}>{t('orgsTitle')}</PageTitle>
      <OperatorNav />
      {created ? (
        <ShownOncePanel
          label={t('firstKeyLabel', { name: created.name })}
          secret={created.apiKey.key}
          onDone={() => setCreated(null)}
        >
          <p>{t('createdOrg', { name: created.name, id: created.id })}</p>
          <p>{t('firstKeyIntro')}</p>
        </ShownOncePanel>
      ) : null}

      <h2>{t('createOrgHeading')}</h2>
      <p>{t('createOrgIntro')}</p>
      <form onSubmit={create} noValidate aria-busy={busy ? 'true' : undefined}>
        <div class="form-row">
          <TextField
            label={t('orgName')}
            value={name}
            maxLength={200}
            autocomplete="off"
            onInput={(event) => setName(event.currentTarget.value)}
            error={errors.name}
            required
          />
          <SelectField
            label={t('kind')}
            options={ORG_KINDS.map((value) => ({ value, label: kindLabel(value) }))}
            value={kind}
            onChange={(event) => {
              const chosen = event.currentTarget.value;
              if (!isOrgKind(chosen)) return;
              setKind(chosen);
              setScopes(suggestedScopes(chosen));
            }}
            error={errors.kind}
            required
          />
        </div>
        <CheckboxGroup
          legend={t('firstKeyScopes')}
          options={API_KEY_SCOPES.map((scope) => ({ value: scope, label: scopeText(`scope.${scope}`) }))}
          selected={scopes}
          onChange={setScopes}
          error={errors.scopes}
        />
        {failure ? <ErrorMessage error={failure} /> : null}
        <div class="actions">
          <Button type="submit" busy={busy}>
            {t('createOrg')}
          </Button>
        </div>
      </form>

      <h2>{t('orgsListHeading')}</h2>
      {orgs.status === 'loading' ? <Loading label={t('loadingOrgs')} /> : null}
      {orgs.error ? <ErrorMessage error={orgs.error} onRetry={orgs.reload} /> : null}
      {orgs.status === 'ready' ? (
        <>
          <DataTable
            stacked
            caption={t('orgsCaption')}
            columns={columns}
            rows={orgs.items}
            rowKey={(org) => org.id}
            empty={<p>{t('orgsEmpty')}</p>}
          />
          <ShowMore list={orgs} label={t('showMore')} />
        </>
      ) : null}
    </section>
  );
}

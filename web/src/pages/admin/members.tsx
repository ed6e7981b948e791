/**
 * The organisation's members: add by email with a role, change a role, remove with a
 * confirmation (the API ends that person's sessions in this organisation at once).
 */
import type { TargetedSubmitEvent } from 'preact';
import { useState } from 'preact/hooks';
import { api } from '../../app/api.ts';
import {
  Button,
  type Column,
  ConfirmButton,
  DataTable,
  ErrorMessage,
  Loading,
  PageTitle,
  SelectField,
  StatusBadge,
  TextField,
  useToast,
} from '../../app/components/index.ts';
import { useFormSubmission } from '../../app/form-submission.ts';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { formatDateTime } from '../../app/language.ts';
import { appMessages } from '../../app/messages.ts';
import { useResource } from '../../app/resource.ts';
import { useSession } from '../../app/session.tsx';
import type { Role } from '../../app/session-model.ts';
import { assignableRoles, checkMemberForm, type MemberView } from './access.ts';
import { AdminNav } from './admin-nav.tsx';
import { messages } from './messages.ts';

const who = (member: MemberView) => member.name ?? member.email;

function RoleChanger({
  member,
  roles,
  onChanged,
  onFailed,
}: {
  readonly member: MemberView & { readonly userId: string };
  readonly roles: readonly { value: string; label: string }[];
  readonly onChanged: (role: Role) => void;
  readonly onFailed: (error: unknown) => void;
}) {
  const t = useT(messages);
  const [role, setRole] = useState<string>(member.role);
  const [busy, setBusy] = useState(false);
  return (
    <div class="row-actions">
      {/* In a table row under the Role header: the control is named for whose role it is. */}
      <select
        aria-label={t('roleOf', { who: who(member) })}
        value={role}
        onChange={(event) => setRole(event.currentTarget.value)}
      >
        {roles.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Button
        variant="secondary"
        busy={busy}
        disabled={role === member.role}
        aria-label={t('changeRoleOf', { who: who(member) })}
        onClick={async () => {
          setBusy(true);
          try {
            await api.patch<void>(`/members/${member.userId}`, { role });
            onChanged(role as Role);
          } catch (error) {
            onFailed(error);
          } finally {
            setBusy(false);
          }
        }}
      >
        {t('changeRole')}
      </Button>
    </div>
  );
}

export default function Members() {
  const t = useT(messages);
  const app = useT(appMessages);
  const { language } = useLanguage();
  const toast = useToast();
  const session = useSession();
  const organisation = session.organisation?.name ?? '—';
  const members = useResource((signal) => api.get<{ items: MemberView[] }>('/members', { signal }), []);
  const roleOptions = assignableRoles(session.scopes).map((role) => ({
    value: role,
    label: app(`role.${role}`),
  }));
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string>('viewer');
  const { busy, failure, errors, setErrors, send, sending } = useFormSubmission();
  const [rowFailure, setRowFailure] = useState<unknown>(null);

  async function add(event: TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sending()) return;
    const check = checkMemberForm({ email, role }, session.scopes);
    if (!check.ok) {
      setErrors(Object.fromEntries(Object.entries(check.errors).map(([field, key]) => [field, t(key)])));
      return;
    }
    setErrors({});
    await send(async () => {
      const added = await api.post<MemberView>('/members', { email: check.email, role: check.role });
      const params = { email: added.email, role: app(`role.${added.role}`) };
      toast(added.status === 'active' ? t('addedMember', params) : t('invitedMember', params), 'success');
      setEmail('');
      members.reload();
    });
  }

  const columns: Column<MemberView>[] = [
    {
      header: t('name'),
      cell: (member) =>
        member.userId === session.user.id ? (
          <>
            {member.name ?? '—'} <span class="muted">{t('you')}</span>
          </>
        ) : (
          (member.name ?? '—')
        ),
    },
    { header: t('email'), cell: (member) => member.email },
    {
      header: t('role'),
      cell: (member) =>
        member.userId === null ? (
          app(`role.${member.role}`)
        ) : (
          <RoleChanger
            key={`${member.userId}-${member.role}`}
            member={{ ...member, userId: member.userId }}
            roles={roleOptions}
            onChanged={(changed) => {
              setRowFailure(null);
              toast(t('roleChanged', { who: who(member), role: app(`role.${changed}`) }), 'success');
              members.reload();
            }}
            onFailed={setRowFailure}
          />
        ),
    },
    {
      header: t('status'),
      cell: (member) => (
        <StatusBadge tone={member.status === 'active' ? 'success' : 'info'}>
          {t(`member.${member.status}`)}
        </StatusBadge>
      ),
    },
    { header: t('since'), cell: (member) => formatDateTime(language, member.since) },
    {
      header: t('actions'),
      cell: (member) => {
        const userId = member.userId;
        if (userId === null) return t('invitationPending');
        // The server refuses to remove the last admin; removing oneself is never what this
        // button is for, and another admin can do it.
        if (userId === session.user.id) return <span class="muted">{t('cannotRemoveSelf')}</span>;
        return (
          <ConfirmButton
            label={t('remove', { who: who(member) })}
            question={t('removeQuestion', { who: who(member), organisation })}
            onConfirm={async () => {
              setRowFailure(null);
              try {
                await api.delete(`/members/${userId}`);
                toast(t('removed', { who: who(member) }), 'success');
                members.reload();
              } catch (error) {
                setRowFailure(error);
              }
            }}
          />
        );
      },
    },
  ];

  return (
    <section>
      <PageTitle title={t('membersTitle')}>{t('membersTitle')}</PageTitle>
      <AdminNav />
      <h2>{t('addHeading')}</h2>
      <p>{t('addIntro')}</p>
      <form onSubmit={add} noValidate aria-busy={busy ? 'true' : undefined}>
        <div class="form-row">
          <TextField
            label={t('email')}
            type="email"
            autocomplete="off"
            value={email}
            onInput={(event) => setEmail(event.currentTarget.value)}
            error={errors.email}
            required
          />
          <SelectField
            label={t('role')}
            options={roleOptions}
            value={role}
            onChange={(event) => setRole(event.currentTarget.value)}
            error={errors.role}
            required
          />
        </div>
        {failure ? <ErrorMessage error={failure} /> : null}
        <div class="actions">
          <Button type="submit" busy={busy}>
            {t('addMember')}
          </Button>
        </div>
      </form>

      <h2>{t('membersTab')}</h2>
      {rowFailure ? <ErrorMessage error={rowFailure} /> : null}
      {members.status === 'loading' && !members.data ? <Loading label={t('loadingMembers')} /> : null}
      {members.status === 'failed' ? <ErrorMessage error={members.error} onRetry={members.reload} /> : null}
      {members.data ? (
        <DataTable
          caption={t('membersCaption', { organisation })}
          columns={columns}
          rows={members.data.items}
          rowKey={(member) => member.userId ?? `invited:${member.email}`}
          stacked
          empty={<p>{t('membersEmpty')}</p>}
        />
      ) : null}
    </section>
  );
}

import { SectionNav } from '../../app/components/page-kit.tsx';
import { useT } from '../../app/i18n.tsx';
import { messages } from './messages.ts';

export function AdminNav() {
  const t = useT(messages);
  return (
    <SectionNav
      label={t('sections')}
      links={[
        { href: '/admin', text: t('membersTab') },
        { href: '/admin/api-keys', text: t('keysTab') },
      ]}
    />
  );
}

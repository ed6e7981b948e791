import { SectionNav } from '../../app/components/page-kit.tsx';
import { useT } from '../../app/i18n.tsx';
import { messages } from './messages.ts';

export function OperatorNav() {
  const t = useT(messages);
  return (
    <SectionNav
      label={t('sections')}
      links={[
        { href: '/operator', text: t('orgsTab') },
        { href: '/operator/reconciliation', text: t('reconciliationTab') },
        { href: '/operator/provenance', text: t('provenanceTab') },
      ]}
    />
  );
}

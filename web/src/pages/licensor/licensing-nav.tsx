import { SectionNav } from '../../app/components/page-kit.tsx';
import { useT } from '../../app/i18n.tsx';
import { MINT_PATH } from './licensing-api.ts';
import { messages } from './messages.ts';

export function LicensingNav() {
  const t = useT(messages);
  return (
    <SectionNav
      label={t('sections')}
      links={[
        { href: '/licensor', text: t('overview') },
        { href: MINT_PATH, text: t('mintTitle') },
      ]}
    />
  );
}

import { SectionNav } from '../../app/components/page-kit.tsx';
import { useT } from '../../app/i18n.tsx';
import { messages } from './messages.ts';

export function ShopNav() {
  const t = useT(messages);
  return (
    <SectionNav
      label={t('sections')}
      links={[
        { href: '/print-shop', text: t('licensesTab') },
        { href: '/print-shop/printers', text: t('printersTab') },
        { href: '/print-shop/jobs', text: t('jobsTab') },
      ]}
    />
  );
}

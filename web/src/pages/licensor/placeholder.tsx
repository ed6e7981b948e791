/** Stands in until the area's pages land (the pages engineer replaces this area's routes.ts). */
import { EmptyState, PageTitle } from '../../app/components/index.ts';
import { useT } from '../../app/i18n.tsx';
import { messages } from './messages.ts';

export default function Placeholder() {
  const t = useT(messages);
  return (
    <section>
      <PageTitle title={t('title')}>{t('title')}</PageTitle>
      <EmptyState>{t('placeholder')}</EmptyState>
    </section>
  );
}

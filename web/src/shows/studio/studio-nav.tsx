/** The studio's own row of links, on every studio page (the shows app's header holds the rest). */
import './studio.css';
import { SectionNav } from '../../app/components/page-kit.tsx';
import { useLanguage, useT } from '../../app/i18n.tsx';
import { messages } from './messages.ts';

export function StudioNav() {
  const t = useT(messages);
  const { language } = useLanguage();
  return (
    <SectionNav
      label={t('studioNav')}
      links={[
        { href: '/studio', text: t('navOverview') },
        { href: '/studio/shows/new', text: t('navNewShow') },
        { href: '/studio/videos/new', text: t('navUpload') },
        { href: '/studio/live', text: t('navLive') },
        // the insights page's own words (pages/insights/messages.ts) stay out of every studio page
        { href: '/studio/insights', text: language === 'it' ? 'Statistiche' : 'Insights' },
      ]}
    />
  );
}

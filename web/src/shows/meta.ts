/**
 * The page's description and Open Graph tags, kept current by the app as people move between
 * pages. The first document of `/shows` and `/shows/:id` already carries them (with the canonical
 * link and Twitter tags), rendered by the shows function for readers that run no script
 * (functions/shows/public-page.ts); other addresses start with shows.html's generic ones.
 */
function metaTag(attribute: 'name' | 'property', key: string): HTMLMetaElement {
  let tag = document.head.querySelector<HTMLMetaElement>(`meta[${attribute}="${key}"]`);
  if (!tag) {
    tag = document.createElement('meta');
    tag.setAttribute(attribute, key);
    document.head.append(tag);
  }
  return tag;
}

export function setPageMeta(meta: {
  readonly title: string;
  readonly description: string;
  readonly image?: string | null;
  readonly type?: 'website' | 'video.other';
}): void {
  const description = meta.description.replace(/\s+/g, ' ').trim().slice(0, 300);
  metaTag('name', 'description').content = description;
  metaTag('property', 'og:title').content = meta.title;
  metaTag('property', 'og:description').content = description;
  metaTag('property', 'og:type').content = meta.type ?? 'website';
  metaTag('property', 'og:url').content = location.href.split('#')[0] ?? location.href;
  if (meta.image) metaTag('property', 'og:image').content = new URL(meta.image, location.origin).href;
  else document.head.querySelector('meta[property="og:image"]')?.remove();
}

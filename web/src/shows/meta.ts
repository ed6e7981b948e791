/**
 * The page's description and Open Graph tags, set from JS on the public pages (the app is static;
 * crawlers and link previews that run scripts read these, the others read shows.html's defaults).
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

import { defineMessages } from '../../app/language.ts';

export const messages = defineMessages({
  en: { title: 'Platform', placeholder: 'This page is being built.' },
  it: { title: 'Piattaforma', placeholder: 'Questa pagina è in costruzione.' },
});

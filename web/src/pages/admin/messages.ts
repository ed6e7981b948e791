import { defineMessages } from '../../app/language.ts';

export const messages = defineMessages({
  en: { title: 'Organisation', placeholder: 'This page is being built.' },
  it: { title: 'Organizzazione', placeholder: 'Questa pagina è in costruzione.' },
});

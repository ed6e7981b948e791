import { defineMessages } from '../../app/language.ts';

export const messages = defineMessages({
  en: { title: 'Licensing', placeholder: 'This page is being built.' },
  it: { title: 'Licenze', placeholder: 'Questa pagina è in costruzione.' },
});

import { defineMessages } from '../../app/language.ts';

export const messages = defineMessages({
  en: { title: 'Print shop', placeholder: 'This page is being built.' },
  it: { title: 'Centro stampa', placeholder: 'Questa pagina è in costruzione.' },
});

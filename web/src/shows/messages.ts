/** The shows app's shell texts (the pages' texts travel with the pages: pages-messages.ts). */
import { defineMessages } from '../app/language.ts';

export const showsShellMessages = defineMessages({
  en: {
    brand: 'forgecast shows',
    mainNavigation: 'Shows navigation',
    catalogue: 'Shows',
    myTickets: 'My tickets',
    studio: 'Studio',
    createAccount: 'Create an account',
    signedInAs: 'Signed in as {name}',
    notAllowedTitle: 'For the show’s creators',
    notAllowedBody:
      'This page is for members of the organisation that runs the show. Switch to that organisation in the portal, or ask its admin to add you.',
  },
  it: {
    brand: 'forgecast spettacoli',
    mainNavigation: 'Navigazione degli spettacoli',
    catalogue: 'Spettacoli',
    myTickets: 'I miei biglietti',
    studio: 'Studio',
    createAccount: 'Crea un account',
    signedInAs: 'Accesso come {name}',
    notAllowedTitle: 'Per chi organizza lo spettacolo',
    notAllowedBody:
      'Questa pagina è per i membri dell’organizzazione che organizza lo spettacolo. Passa a quell’organizzazione nel portale, oppure chiedi al suo amministratore di aggiungerti.',
  },
});

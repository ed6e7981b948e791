/**
 * The local provider's sign-in and sign-up pages: server-rendered HTML with labelled inputs,
 * one column that fits a phone, English or Italian from Accept-Language. No script.
 */
export type Language = 'en' | 'it';

const TEXT = {
  en: {
    signInTitle: 'Sign in to forgecast',
    signUpTitle: 'Create a viewer account',
    email: 'Email',
    password: 'Password',
    name: 'Your name',
    signIn: 'Sign in',
    signUp: 'Create account',
    wrongCredentials: 'That email and password do not match an account.',
    emailTaken: 'An account with this email already exists. Sign in instead.',
    invalid: 'Fill in every field; the password needs at least 10 characters.',
    localNote: 'Local OpenID provider of the forgecast development cloud.',
    passwordHint: 'At least 10 characters.',
  },
  it: {
    signInTitle: 'Accedi a forgecast',
    signUpTitle: 'Crea un account spettatore',
    email: 'Email',
    password: 'Password',
    name: 'Il tuo nome',
    signIn: 'Accedi',
    signUp: 'Crea account',
    wrongCredentials: 'Email e password non corrispondono a nessun account.',
    emailTaken: 'Esiste già un account con questa email. Accedi.',
    invalid: 'Compila tutti i campi; la password deve avere almeno 10 caratteri.',
    localNote: 'Provider OpenID locale del cloud di sviluppo forgecast.',
    passwordHint: 'Almeno 10 caratteri.',
  },
} as const;

export type MessageKey = keyof (typeof TEXT)['en'];

/** The first of en/it the browser prefers (by q-value), English otherwise. */
export function pickLanguage(acceptLanguage: string | undefined): Language {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      return { tag: tag.toLowerCase(), q: q ? Number(q.slice(2)) || 0 : 1 };
    })
    .filter((entry) => entry.tag && entry.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { tag } of ranked) {
    if (tag === 'it' || tag.startsWith('it-')) return 'it';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(language: Language, title: string, body: string): string {
  return `<!doctype html>
<html lang="${language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f5f7; color: #1b1d21; }
  main { box-sizing: border-box; width: min(24rem, calc(100% - 2rem)); margin: 2rem auto; padding: 1.5rem; background: #fff; border-radius: 8px; }
  h1 { font-size: 1.4rem; margin-top: 0; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { box-sizing: border-box; width: 100%; padding: .6rem; font: inherit; border: 1px solid #6b7280; border-radius: 4px; }
  input:focus, button:focus { outline: 3px solid #1d4ed8; outline-offset: 2px; }
  button { margin-top: 1.5rem; width: 100%; padding: .7rem; font: inherit; font-weight: 600; color: #fff; background: #1d4ed8; border: 0; border-radius: 4px; cursor: pointer; }
  .error { margin-top: 1rem; padding: .6rem; color: #7f1d1d; background: #fee2e2; border-radius: 4px; }
  .hint, footer { color: #4b5563; font-size: .875rem; }
  footer { text-align: center; }
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${body}
</main>
<footer><p>${escapeHtml(TEXT[language].localNote)}</p></footer>
</body>
</html>`;
}

function errorBlock(language: Language, error: MessageKey | undefined): string {
  return error
    ? `<p class="error" role="alert" id="form-error">${escapeHtml(TEXT[language][error])}</p>`
    : '';
}

export function signInPage(
  language: Language,
  action: string,
  options: { email?: string; error?: MessageKey } = {},
): string {
  const t = TEXT[language];
  const described = options.error ? ' aria-describedby="form-error"' : '';
  return page(
    language,
    t.signInTitle,
    `${errorBlock(language, options.error)}
<form method="post" action="${escapeHtml(action)}" novalidate>
<label for="email">${t.email}</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${escapeHtml(options.email ?? '')}"${described} autofocus>
<label for="password">${t.password}</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described}>
<button type="submit">${t.signIn}</button>
</form>`,
  );
}

export function signUpPage(
  language: Language,
  action: string,
  options: { email?: string; name?: string; error?: MessageKey } = {},
): string {
  const t = TEXT[language];
  const described = options.error ? ' aria-describedby="form-error"' : '';
  return page(
    language,
    t.signUpTitle,
    `${errorBlock(language, options.error)}
<form method="post" action="${escapeHtml(action)}" novalidate>
<label for="name">${t.name}</label>
<input id="name" name="name" type="text" autocomplete="name" required maxlength="200" value="${escapeHtml(options.name ?? '')}"${described} autofocus>
<label for="email">${t.email}</label>
<input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="${escapeHtml(options.email ?? '')}"${described}>
<label for="password">${t.password}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="10" aria-describedby="password-hint">
<p class="hint" id="password-hint">${t.passwordHint}</p>
<button type="submit">${t.signUp}</button>
</form>`,
  );
}

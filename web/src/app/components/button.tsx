import type { ButtonHTMLAttributes, ComponentChildren } from 'preact';

type ButtonProps = Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'class'> & {
  readonly variant?: 'primary' | 'secondary' | 'danger' | 'link';
  /** Work in flight: the button is disabled and says so to assistive technology. */
  readonly busy?: boolean;
  readonly children: ComponentChildren;
};

/** A real <button> (type="button" unless a form submit is asked for), styled by variant. */
export function Button({
  variant = 'primary',
  busy = false,
  disabled,
  type = 'button',
  children,
  ...rest
}: ButtonProps) {
  return (
    <button
      {...rest}
      type={type}
      class={`button button-${variant}`}
      disabled={disabled || busy}
      aria-busy={busy ? 'true' : undefined}
    >
      {busy ? <span class="spinner" aria-hidden="true" /> : null}
      {children}
    </button>
  );
}

/** A link that looks like a button (navigation, not an action). */
export function ButtonLink({
  href,
  variant = 'secondary',
  children,
}: {
  readonly href: string;
  readonly variant?: 'primary' | 'secondary';
  readonly children: ComponentChildren;
}) {
  return (
    <a class={`button button-${variant}`} href={href}>
      {children}
    </a>
  );
}

/** The shared components every area builds its pages from. */
export { Button, ButtonLink } from './button.tsx';
export { CopyButton, SecretBox, ShownOncePanel } from './clipboard.tsx';
export { ConfirmButton } from './confirm.tsx';
export {
  EmptyState,
  ErrorMessage,
  Loading,
  Notice,
  ProgressBar,
  StatusBadge,
  type Tone,
} from './feedback.tsx';
export { CheckboxGroup, FieldFrame, SelectField, TextAreaField, TextField } from './fields.tsx';
export { PageTitle } from './page.tsx';
export { type Column, DataTable, Properties } from './table.tsx';
export { ToastProvider, ToastRegion, useToast } from './toasts.tsx';

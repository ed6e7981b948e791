import { z } from 'zod';
import { readConfig } from '#shared/config/config.ts';
import { databaseConfig, objectStorageConfig } from '#shared/config/platform.ts';
import { paymentsConfig } from '#shared/payments/payments-from-config.ts';
import { portalConfig } from '#shared/people/config.ts';

/** `{SHOW_ID}` and `{HOLD_ID}` are filled in per order; Stripe fills in `{CHECKOUT_SESSION_ID}`. */
const returnUrl = z
  .string()
  .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'must be an http(s) URL');

const shape = {
  ...databaseConfig,
  ...paymentsConfig,
  ...objectStorageConfig,
  /** Where the shows' posters are (the video's poster.jpg, streamed by GET /v1/shows/{id}/poster). */
  MEDIA_BUCKET: z.string().min(3),
  /**
   * How long a buyer has to pay. Stripe's Checkout Sessions live 30 minutes to 24 hours; the
   * seats are held a little longer (see checkout.ts) so a payment in the last second still fits.
   */
  CHECKOUT_HOLD_MINUTES: z.coerce.number().int().min(30).max(1440).default(30),
  /** Where API-key orders return (an integration's own pages). */
  CHECKOUT_SUCCESS_URL: returnUrl,
  CHECKOUT_CANCEL_URL: returnUrl,
  /**
   * The portal (and shows app): people who buy with their session return to its pages
   * (`/shows/{id}/bought?hold=…`, `/shows/{id}?checkout=cancelled&hold=…`). Without it, they
   * return to CHECKOUT_SUCCESS_URL / CHECKOUT_CANCEL_URL like API keys.
   */
  PORTAL_ORIGIN: portalConfig.PORTAL_ORIGIN.optional(),
};

export const showsConfigKeys = Object.keys(shape);
export const loadShowsConfig = () => readConfig(shape);

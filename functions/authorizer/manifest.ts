import { defineManifest } from '#shared/runtime/manifest.ts';
import { authorizerConfigKeys } from './config.ts';

export const authorizerManifest = defineManifest({
  name: 'authorizer',
  summary:
    'API Gateway custom authentication: turns an API key, a printer credential or a portal session cookie into a principal, organisation and scopes.',
  kind: 'authorizer',
  memoryMb: 256,
  timeoutSeconds: 10,
  routes: [],
  events: [],
  config: authorizerConfigKeys,
});

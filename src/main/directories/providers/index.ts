/** Every directory provider this build ships, by kind. */
import type { ProviderModules } from '../registry';
import { googleModule } from './google';
import { graphProviderModule } from './graph';
import { oktaModule } from './okta';

export const providerModules: ProviderModules = {
  okta: oktaModule,
  entra: graphProviderModule,
  google: googleModule,
};

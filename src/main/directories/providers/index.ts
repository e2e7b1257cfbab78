/** Every directory provider this build ships, by kind. */
import type { ProviderModules } from '../registry';
import { googleModule } from './google';
import { graphProviderModule } from './graph';

export const providerModules: ProviderModules = {
  entra: graphProviderModule,
  google: googleModule,
};

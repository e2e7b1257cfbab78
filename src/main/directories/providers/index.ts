/** Every directory provider this build ships, by kind. */
import type { ProviderModules } from '../registry';

export const providerModules: ProviderModules = {};

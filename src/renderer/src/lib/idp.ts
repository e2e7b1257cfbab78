/**
 * Identity providers a SCIM connection can be set up for, and where each one wants the SCIM URL
 * and the token (kept in step with docs/scim.md, section 2). Pure.
 */
import type { CallInput } from '../../../shared/contract';
import { providerLabel } from './format';

export type Provider = CallInput<'createConnection'>['provider'];

/** The order the providers are offered in (most common first, the generic one last). */
export const PROVIDER_ORDER: readonly Provider[] = ['okta', 'entra', 'onelogin', 'google', 'jumpcloud', 'generic'];

export function isProvider(value: string): value is Provider {
  return (PROVIDER_ORDER as readonly string[]).includes(value);
}

export interface IdpInstruction {
  provider: Provider;
  /** "Okta", "Microsoft Entra ID", … */
  label: string;
  /** Where in the IdP's admin console the settings are. */
  where: string;
  /** What goes where. */
  paste: string;
}

const INSTRUCTIONS: Readonly<Record<Provider, { where: string; paste: string }>> = {
  okta: {
    where: 'Applications → your app → Provisioning → Integration',
    paste: 'SCIM connector base URL + HTTP Header Bearer token (unique identifier field: userName)',
  },
  entra: {
    where: 'Enterprise applications → your app → Provisioning → Admin credentials',
    paste: 'Tenant URL + Secret Token, then Test Connection',
  },
  onelogin: {
    where: 'Applications → your app → Configuration',
    paste: 'SCIM Base URL + SCIM Bearer Token (SCIM version 2.0)',
  },
  google: {
    where: 'Google’s catalogue apps only (auto-provisioning is first-party)',
    paste: 'to watch Google Workspace itself, add it as a directory instead',
  },
  jumpcloud: {
    where: 'SSO Applications → your app → Identity Management',
    paste: 'Base URL + Token Key, then Test Connection',
  },
  generic: {
    where: 'Any SCIM 2.0 client',
    paste: 'base URL + HTTP header Authorization: Bearer <token>',
  },
};

/** Where to paste the SCIM URL and token for `provider` (the generic SCIM client for an unknown one). */
export function idpInstruction(provider: string): IdpInstruction {
  const p: Provider = isProvider(provider) ? provider : 'generic';
  return { provider: p, label: providerLabel(p), ...INSTRUCTIONS[p] };
}

/** One line: "Applications → your app → Provisioning → Integration: SCIM connector base URL + …". */
export function idpInstructionLine(provider: string): string {
  const i = idpInstruction(provider);
  return `${i.where}: ${i.paste}`;
}

/** Every provider's instruction, `first` (the connection's own provider) leading. */
export function idpInstructionsFor(first: string): IdpInstruction[] {
  const lead = idpInstruction(first);
  return [lead, ...PROVIDER_ORDER.filter((p) => p !== lead.provider).map((p) => idpInstruction(p))];
}

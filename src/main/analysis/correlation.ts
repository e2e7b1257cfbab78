/**
 * Correlation keys: what makes two accounts of different sources the same person. Pure.
 *
 * Keys, in priority order: the primary email (normalised as the settings say), the externalId
 * (and, for a directory account, its own id, which IdPs send to apps as the SCIM externalId), the
 * employeeNumber. See docs/analysis.md for the rules that use them.
 */
import { z } from 'zod';

const domainSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)[a-z0-9-]+(\.[a-z0-9-]+)+$/, 'a domain name such as acme.com');

export const correlationSettingsSchema = z
  .object({
    /** jane+slack@acme.com is jane@acme.com (off by default: some organisations give + addresses to different people). */
    stripPlusAddressing: z.boolean().default(false),
    /** Groups of domains that are one: [["acme.com", "acme.co.uk"]] — the first is the canonical one. */
    domainAliases: z
      .array(z.array(domainSchema).min(2).max(50))
      .max(100)
      .default([])
      .superRefine((groups, ctx) => {
        const seen = new Map<string, number>();
        groups.forEach((g, i) =>
          g.forEach((d) => {
            const other = seen.get(d);
            if (other !== undefined && other !== i)
              ctx.addIssue({ code: 'custom', message: `${d} is in two alias groups (${other + 1} and ${i + 1})`, path: [i] });
            seen.set(d, i);
          }),
        );
      }),
  })
  .strict();
export type CorrelationSettings = z.output<typeof correlationSettingsSchema>;
export const DEFAULT_CORRELATION: CorrelationSettings = { stripPlusAddressing: false, domainAliases: [] };

export interface EmailNormalizer {
  (email: string | null | undefined): string | null;
}

/** NFC, trimmed, lower case; optionally without +tag; the domain mapped to its alias group's first. */
export function emailNormalizer(settings: CorrelationSettings): EmailNormalizer {
  const canonical = new Map<string, string>();
  for (const group of settings.domainAliases) for (const d of group) canonical.set(d, group[0]!);
  return (email) => {
    if (typeof email !== 'string') return null;
    const s = email.normalize('NFC').trim().toLowerCase();
    const at = s.lastIndexOf('@');
    if (at <= 0 || at === s.length - 1 || /\s/.test(s)) return null;
    let local = s.slice(0, at);
    const domain = s.slice(at + 1);
    if (settings.stripPlusAddressing) {
      const plus = local.indexOf('+');
      if (plus > 0) local = local.slice(0, plus);
    }
    return `${local}@${canonical.get(domain) ?? domain}`;
  };
}

export interface AccountKeys {
  email: string | null;
  externalId: string | null;
  employeeNumber: string | null;
  /** A directory account's own id. */
  sourceKey: string | null;
}

const clean = (v: string | null): string | null => {
  const t = v?.trim();
  return t ? t : null;
};

/** The keys of an account: its primary email, or its userName when that is an email address. */
export function accountKeys(
  a: { id: string; email_key: string | null; user_name: string | null; external_id: string | null; employee_number: string | null },
  kind: 'connection' | 'directory',
  normalize: EmailNormalizer,
): AccountKeys {
  return {
    email: normalize(a.email_key) ?? normalize(a.user_name),
    externalId: clean(a.external_id),
    employeeNumber: clean(a.employee_number),
    sourceKey: kind === 'directory' ? a.id : null,
  };
}

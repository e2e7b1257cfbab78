/**
 * The simulated organisation's people: deterministic from a seed (the same flags give the same
 * org), with names, work emails, departments and titles.
 */
import { mulberry32 } from './rng';

const FIRST =
  'Ada Adele Alex Amara Ben Bianca Cameron Chioma Dana Diego Elif Emma Farah Felix Grady Hana Hugo Ines Isaiah Jonas Joni Kenji Lara Lee Lidia Luca Maya Megan Miriam Nadia Nestor Noah Olu Omar Patti Priya Quinn Rafael Rosa Sami Sofia Tariq Tomasz Uma Vera Wei Yara Yusuf Zoe'.split(
    ' ',
  );
const LAST =
  'Adams Adeyemi Bauer Bellows Bowen Brown Chen Costa Demir Dubois Fernandez Garcia Gu Haddad Hansen Holloway Ibrahim Iyer Jensen Khan Kim Kowalski Lopez Martin Mendes Murphy Nair Novak Nowak Okafor Olsen Park Patel Ramos Rossi Sato Schmidt Sherman Silva Singh Tanaka Vance Wagner White Wilber Wilke Yilmaz Zhang'.split(
    ' ',
  );

/** Department, share of the org, job titles. */
const DEPARTMENTS: [string, number, string[]][] = [
  ['Engineering', 30, ['Software Engineer', 'Senior Engineer', 'Staff Engineer', 'Engineering Manager']],
  ['Sales', 14, ['Account Executive', 'Sales Engineer', 'Sales Manager']],
  ['Marketing', 8, ['Marketing Manager', 'Content Lead', 'Designer']],
  ['Support', 10, ['Support Engineer', 'Support Lead']],
  ['Finance', 5, ['Accountant', 'Financial Analyst', 'Controller']],
  ['People', 4, ['Recruiter', 'People Partner']],
  ['IT', 5, ['IT Administrator', 'Systems Engineer']],
  ['Security', 3, ['Security Engineer', 'Security Analyst']],
  ['Design', 6, ['Product Designer', 'UX Researcher']],
  ['Data', 6, ['Data Scientist', 'Data Engineer']],
  ['Operations', 9, ['Operations Manager', 'Office Manager', 'Program Manager']],
];
export const DEPARTMENT_NAMES = DEPARTMENTS.map((d) => d[0]);
/** Departments whose people are in Entra ID too (the engineering side uses Microsoft 365). */
export const ENTRA_DEPARTMENTS = new Set(['Engineering', 'IT', 'Security', 'Data', 'Finance', 'Design']);
/** Departments that get GitHub. */
export const GITHUB_DEPARTMENTS = new Set(['Engineering', 'IT', 'Security', 'Data']);
/** Departments that get Loom. */
export const LOOM_DEPARTMENTS = new Set(['Sales', 'Marketing', 'Support', 'Design', 'People']);

export const DOMAIN = 'acme.example';
export const PARTNER_DOMAIN = 'partners.acme.example';

export interface PersonSeed {
  n: number;
  first: string;
  last: string;
  email: string;
  department: string;
  title: string;
  employeeNumber: string;
  /** An external contractor: in Entra ID only, with a partner address. */
  contractor: boolean;
}

export class PeopleFactory {
  private readonly rng: () => number;
  private readonly used = new Set<string>();
  private count = 0;

  constructor(seed: number) {
    this.rng = mulberry32(seed);
  }

  random(): number {
    return this.rng();
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.rng() * list.length)]!;
  }

  department(): string {
    let r = this.rng() * 100;
    for (const [name, share] of DEPARTMENTS) {
      if (r < share) return name;
      r -= share;
    }
    return DEPARTMENTS[0]![0];
  }

  title(department: string): string {
    return this.pick(DEPARTMENTS.find((d) => d[0] === department)![2]);
  }

  next(contractor = this.rng() < 0.06): PersonSeed {
    const n = ++this.count;
    const first = this.pick(FIRST);
    const last = this.pick(LAST);
    const base = `${first}.${last}`.toLowerCase();
    let local = base;
    for (let k = 2; this.used.has(local); k++) local = `${base}${k}`;
    this.used.add(local);
    const department = contractor ? this.pick(['Engineering', 'Data', 'Design']) : this.department();
    return {
      n,
      first,
      last,
      email: `${local}@${contractor ? PARTNER_DOMAIN : DOMAIN}`,
      department,
      title: contractor ? 'Contractor' : this.title(department),
      employeeNumber: contractor ? '' : String(10000 + n),
      contractor,
    };
  }
}

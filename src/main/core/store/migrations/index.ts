import * as m0001 from './0001-initial';
import * as m0002 from './0002-directories';
import * as m0003 from './0003-membership-keys';
import * as m0004 from './0004-analysis';
import * as m0005 from './0005-alert-triage';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/**
 * Every schema change Rollcall ever made, in order. Append only: a released migration is never
 * edited, because databases in the field have already run it.
 */
export const migrations: readonly Migration[] = [
  { version: 1, name: '0001-initial', up: m0001.up },
  { version: 2, name: '0002-directories', up: m0002.up },
  { version: 3, name: '0003-membership-keys', up: m0003.up },
  { version: 4, name: '0004-analysis', up: m0004.up },
  { version: 5, name: '0005-alert-triage', up: m0005.up },
];

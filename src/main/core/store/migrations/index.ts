import * as m0001 from './0001-initial';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
}

/**
 * Every schema change Rollcall ever made, in order. Append only: a released migration is never
 * edited, because databases in the field have already run it.
 */
export const migrations: readonly Migration[] = [{ version: 1, name: '0001-initial', up: m0001.up }];

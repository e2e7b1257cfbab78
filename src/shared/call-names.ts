/**
 * The names of every API call, without their schemas, so the sandboxed preload can build its
 * bridge without bundling zod. contract.ts checks (at compile time) that it defines exactly these.
 */
export const callNames = [
  'getAppInfo',
  'getDashboard',
  'listEvents',
  'listAlerts',
  'getAlert',
  'updateAlerts',
  'addAlertNote',
  'getAlertSettings',
  'updateAlertSettings',
  'listPeople',
  'getSeats',
  'listSources',
  'createConnection',
  'removeConnection',
  'rotateConnectionToken',
  'testConnection',
  'createDirectory',
  'removeDirectory',
  'testDirectory',
  'syncDirectory',
  'getSettings',
  'updateSettings',
  'revealDataFolder',
  // Analysis (issue #6)
  'searchPeople',
  'getPerson',
  'linkAccount',
  'unlinkAccount',
  'listAuditTrail',
  'getSeatSeries',
  'getDeprovisionStats',
  'getAnalysisSummary',
  'getRoleMap',
  'setRoleMap',
  'getCorrelationSettings',
  'setCorrelationSettings',
  // Pages B (issue #7): the Seats page's idle billed seats
  'listIdleSeats',
  // Exports (issue #8)
  'startExport',
  'cancelExport',
  'getExport',
  'saveExport',
  'verifyEventLog',
  // Timeline and Dashboard (issue #7, ui-a)
  'getEvent',
  'getSourceHealth',
] as const;
export type CallName = (typeof callNames)[number];

/** IPC channel of a call; the prefix keeps our channels apart from Electron's own. */
export const ipcChannel = (name: CallName): string => `rollcall:${name}`;
export const PUSH_CHANNEL = 'rollcall:push';

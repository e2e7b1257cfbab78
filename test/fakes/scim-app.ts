/** Moved to src/main/demo/fakes/scim-app.ts so the built CLI can ship it for `rollcall demo`; tests keep this path. */
export * from '../../src/main/demo/fakes/scim-app';

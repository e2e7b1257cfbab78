/** Moved to src/main/demo/fakes/graph.ts so the built CLI can ship it for `rollcall demo`; tests keep this path. */
export * from '../../src/main/demo/fakes/graph';

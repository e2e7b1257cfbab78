/** Moved to src/main/demo/rng.ts (the demo uses it too); tests keep this path. */
export * from '../../src/main/demo/rng';

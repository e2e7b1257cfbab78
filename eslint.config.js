// ESLint flat config. Besides the usual rules it enforces the process boundaries of
// docs/architecture.md: only the Electron shell imports `electron`, the renderer imports nothing
// from Node, Electron or the core, and src/shared imports nothing process-specific.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'crypto',
  'http',
  'https',
  'net',
  'url',
  'util',
  'worker_threads',
  'stream',
];

const restrict = (paths, patterns, message) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: paths.map((name) => ({ name, message })),
      patterns: patterns.map((group) => ({ group: [group], message })),
    },
  ],
});

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      eqeqeq: ['error', 'always'],
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict(
        ['electron', 'better-sqlite3', ...nodeBuiltins.filter((n) => !n.includes('*'))],
        ['node:*', '**/main/**', '**/preload/index', '**/preload/index.ts'],
        'The renderer runs sandboxed in a browser: it talks to the core only through the RollcallApi client (src/shared/client.ts).',
      ),
    },
  },
  {
    files: ['src/shared/**/*.ts'],
    rules: restrict(
      ['electron', 'better-sqlite3', 'react', ...nodeBuiltins.filter((n) => !n.includes('*'))],
      ['node:*', '**/main/**', '**/renderer/**', '**/preload/**'],
      'src/shared is the contract used by every process: it must not import process-specific code.',
    ),
  },
  {
    files: ['src/main/**/*.ts'],
    ignores: ['src/main/index.ts', 'src/main/electron/**'],
    rules: restrict(
      ['electron'],
      ['**/renderer/**', '**/preload/**'],
      'The core runs under plain Node (rollcall serve, tests): only src/main/index.ts and src/main/electron/ may import electron.',
    ),
  },
  {
    files: ['src/preload/**/*.ts'],
    rules: restrict(
      nodeBuiltins.filter((n) => !n.includes('*')),
      ['node:*', '**/main/**', '**/renderer/**'],
      'The preload is sandboxed: it may import electron and src/shared/call-names only.',
    ),
  },
);

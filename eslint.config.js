// ESLint (flat config): ESLint's and typescript-eslint's recommended rules, plus the type-aware rules that catch
// real bugs (a promise left floating or passed where its result is ignored, awaiting a non-promise, throwing a
// non-Error, a switch that misses a case). Formatting is prettier's job: no stylistic rules here.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // Generated, vendored or data folders; notebooks/ is typechecked by tsconfig.notebooks.json (tslab cell style).
  { ignores: ['node_modules/', 'data/', 'scratch/', 'figures/', 'paper/', 'jupyter/', 'vendor/', 'notebooks/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/prefer-promise-reject-errors': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-implied-eval': 'error',
      '@typescript-eslint/no-base-to-string': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      // A leading underscore marks a name left unused on purpose (rest-destructuring to drop fields, unused args).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Its loader guesses each file's shape with `any`; the rewrite of this file (issue 13, item 6) types it.
    files: ['lib/report/reproduction.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);

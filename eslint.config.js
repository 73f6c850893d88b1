// typescript-eslint with type information: the rules that matter here are the
// promise rules (a floating promise in a driver silently loses an error).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // devices/*/index.js are one-line shims that load the compiled simulators (Node 20 runs no .ts).
  { ignores: ['dist/**', 'node_modules/**', 'var/**', 'coverage/**', 'scripts/*.mjs', 'scripts/diag/*.mjs', 'eslint.config.js', 'devices/*/index.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The web pages' browser scripts: plain ES modules outside the TS program, so linted
  // without type information, against the browser globals they use.
  {
    ...tseslint.configs.disableTypeChecked,
    files: ['firmware-ts/src/web/public/**/*.js'],
  },
  {
    files: ['firmware-ts/src/web/public/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'navigator', 'fetch', 'EventSource', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'console'].map((g) => [g, 'readonly']),
      ),
    },
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);

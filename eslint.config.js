const js = require('@eslint/js');
const tseslint = require('typescript-eslint');

module.exports = tseslint.config(
  { ignores: ['node_modules/', '.aws-sam/', '.local/', 'dist/', '**/*.generated.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['functions/**/*.ts', 'hooks/**/*.ts', 'guard/**/*.ts'],
    rules: {
      // Production code reaches the local stage only through configuration, never by import.
      'no-restricted-imports': ['error', { patterns: ['**/local/**', '**/test/**'] }],
    },
  },
  {
    files: ['operate/**/*.ts'],
    rules: {
      // The operator tool reaches the local stage through its public entry only, as any outside tool would.
      'no-restricted-imports': ['error', { patterns: [{ group: ['**/local/*', '!**/local/index', '**/test/**'], message: 'Import the local stage through local/index.ts, and no test code.' }] }],
    },
  },
);

// Lint: typescript-eslint's recommended rules, no `any` in the trusted layers, and the layer rule:
// programs (examples/, src/services/) and contract modules import only the runtime and contracts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const programImports = {
  patterns: [
    {
      regex: '^(?!(sing/runtime|sing/contracts/[\\w-]+)$)(?!\\.\\.?/)',
      message: 'Programs import only sing/runtime, sing/contracts/* and their own files (DESIGN.md §4).',
    },
    {
      group: ['**/kernel/**', '**/channels/**', '**/install/**', '**/cli/**', '**/exheap/**'],
      message: 'Programs never import the kernel or its layers (DESIGN.md §4).',
    },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'test/corpus/**', 'scripts/*.cjs', '.sing/**', 't*.ts', 't*.mjs', 'm*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    files: ['examples/**/*.ts', 'src/services/**/*.ts', 'src/contracts/lib/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', programImports] },
  },
);

import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

// Project rules that encode the engineering standards (see README "Conventions"):
// model output is never evaluated, core code is seeded, and tensors are read asynchronously.
const projectRules = {
  'no-eval': 'error',
  'no-implied-eval': 'error',
  'no-new-func': 'error',
  'no-restricted-properties': [
    'error',
    {
      object: 'Math',
      property: 'random',
      message: 'Runs must be reproducible: use the seeded Rng from src/util/rng.ts.',
    },
  ],
  'no-restricted-syntax': [
    'error',
    {
      selector: 'CallExpression[callee.property.name=/^(dataSync|arraySync)$/]',
      message: 'dataSync/arraySync can return zeros on webgpu: use await tensor.data() / array().',
    },
    {
      selector: "CallExpression[callee.property.name='multinomial']",
      message:
        'tf.multinomial returns 0 for its first sample on webgpu: sample on the host or with Gumbel-max.',
    },
  ],
  '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
};

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'dist-bench/',
      'node_modules/',
      'public/',
      'runs/',
      'coverage/',
      'test-artifacts/',
      'tmp_*',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: { globals: { ...globals.browser, ...globals.node } },
    rules: projectRules,
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
);

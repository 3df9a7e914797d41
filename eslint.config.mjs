import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'dist.*/', 'coverage/', 'docs/', 'node_modules/', 'examples/angular/', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { EventTarget: 'readonly', Event: 'readonly', module: 'readonly', require: 'readonly', __dirname: 'readonly', process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', URL: 'readonly', globalThis: 'readonly', AbortController: 'readonly', TextDecoder: 'readonly', TextEncoder: 'readonly', fetch: 'readonly', performance: 'readonly', setImmediate: 'readonly', queueMicrotask: 'readonly', structuredClone: 'readonly', document: 'readonly', window: 'readonly', atob: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-restricted-imports': ['error', { patterns: ['rxjs/internal/*'] }],
      'no-restricted-syntax': [
        'error',
        { selector: "ImportSpecifier[imported.name='retryWhen']", message: 'retryWhen is deprecated: use retry({ delay })' },
        { selector: "ImportSpecifier[imported.name='mapTo']", message: 'mapTo is deprecated: use map' },
      ],
    },
  },
  {
    // Adapters are users of the library: they import its public barrel (`../../index.js`, the
    // `factpulse-rx` entry point seen from inside the repo) and their own files, never a core
    // module or another adapter (see README, "Architecture").
    files: ['lib/adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['rxjs/internal/*'], message: 'rxjs/internal is not public RxJS' },
            {
              regex: '^\\.\\./(?!\\.\\./index\\.js$)',
              message: "An adapter imports the library only through its public barrel '../../index.js' (make what it needs public there), and never another adapter.",
            },
          ],
        },
      ],
    },
  },
  {
    files: ['spec/**', 'bench/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);

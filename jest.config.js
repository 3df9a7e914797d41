/**
 * Two projects: `core` runs every spec as before (Node environment, ts-jest); `angular` runs the
 * specs of the Angular entry point (spec/adapters/angular), which also need Angular's packages —
 * ES modules only — turned into CommonJS, and Angular's test environment set up.
 */
const ts = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', diagnostics: { warnOnly: false } }];
const angularSpecs = '<rootDir>/spec/adapters/angular/';

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 20000,
  // Services the suite starts and provisions itself, once per run: its own redis-server on a free
  // loopback port, Chromium for the browser specs (see spec/helpers/services/).
  globalSetup: '<rootDir>/spec/helpers/services/global-setup.cjs',
  globalTeardown: '<rootDir>/spec/helpers/services/global-teardown.cjs',
  projects: [
    {
      displayName: 'core',
      testEnvironment: 'node',
      roots: ['<rootDir>/spec'],
      testMatch: ['**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', angularSpecs],
      transform: { '^.+\\.ts$': ts },
      moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
      testTimeout: 20000,
    },
    {
      displayName: 'angular',
      // Angular runs in browsers: jsdom by default (a spec may ask for node with a docblock).
      testEnvironment: 'jsdom',
      roots: [angularSpecs],
      testMatch: ['**/*.spec.ts'],
      transform: {
        // The Angular example (examples/angular) is compiled with decorators, as an Angular app.
        '/examples/angular/.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/examples/angular/tsconfig.spec.json', diagnostics: { warnOnly: false } }],
        '^.+\\.ts$': ts,
        '^.+\\.mjs$': `${angularSpecs}jest/esm-to-cjs.cjs`,
      },
      transformIgnorePatterns: ['/node_modules/(?!@angular/)'],
      moduleNameMapper: {
        '^(\\.{1,2}/.*)\\.js$': '$1',
        // What the example imports, as an app would: the package's entry points.
        '^factpulse-rx$': '<rootDir>/lib/index.ts',
        '^factpulse-rx/angular$': '<rootDir>/lib/adapters/angular/index.ts',
      },
      setupFilesAfterEnv: [`${angularSpecs}jest/setup-angular.ts`],
      testTimeout: 20000,
    },
  ],
};

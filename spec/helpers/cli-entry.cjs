'use strict';
// Runs the factpulse-rx command from the TypeScript sources, for subprocess tests:
//   node --require ./spec/helpers/ts-register.cjs ./spec/helpers/cli-entry.cjs watch …
require('../../lib/cli/main.ts').runCli({ version: require('../../package.json').version });

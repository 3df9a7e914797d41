#!/usr/bin/env node
'use strict';
// The factpulse-rx command: watch, simulate, demo. See `factpulse-rx --help`.
let cli;
try {
  cli = require('../dist/cjs/cli/main.js');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('dist/cjs/cli/main.js')) {
    process.stderr.write('factpulse-rx: the package is not built (dist/ is missing); run `npm run build` first\n');
    process.exit(3);
  }
  throw error;
}
cli.runCli({ version: require('../package.json').version });

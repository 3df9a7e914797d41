// Prints jest's JSON report as the closing line CI reads: "N passed, N failed".
'use strict';
const { readFileSync } = require('node:fs');

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const passed = report.numPassedTests;
const failed = report.numFailedTests + (report.numRuntimeErrorTestSuites || 0);
const skipped = (report.numPendingTests || 0) + (report.numTodoTests || 0);
console.log(skipped > 0 ? `${passed} passed, ${failed} failed, ${skipped} skipped` : `${passed} passed, ${failed} failed`);

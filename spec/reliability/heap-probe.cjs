'use strict';
// Entry of the heap probe child process (see leaks.spec.ts):
//   node --expose-gc --require ./spec/helpers/ts-register.cjs ./spec/reliability/heap-probe.cjs
require('./heap-probe.ts')
  .probeHeap()
  .then(
    (report) => {
      process.stdout.write(`${JSON.stringify(report)}\n`);
    },
    (error) => {
      process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
      process.exitCode = 1;
    },
  );

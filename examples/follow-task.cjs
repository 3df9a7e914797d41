// Follows one task as a new user would: require the built package, start the simulator on
// loopback, submit an invoice, follow it to its result and write the PDF.
//   npm run build && node examples/follow-task.cjs [outcome]   (outcome: success | rejected | failed)
'use strict';
const { writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');
const { taskStatus$ } = require('factpulse-rx');
const { startSimulator } = require('factpulse-rx/simulator');

async function main() {
  // progressSteps: the task reports Celery PROGRESS 1/3, 2/3, 3/3 while it runs.
  const sim = await startSimulator({ durationMs: 1500, progressSteps: 3 });
  const { taskId } = await sim.submit({ outcome: process.argv[2] || 'success' });
  console.log(`following ${taskId} on ${sim.url}`);

  const subscription = taskStatus$(taskId, { baseUrl: sim.url, token: sim.token, interval: 250 }).subscribe({
    next(t) {
      const progress = t.state.progress ?? t.state.meta;
      const numbers = progress && typeof progress.current === 'number' && typeof progress.total === 'number' ? ` ${progress.current}/${progress.total}` : '';
      console.log(`${t.from ?? 'start'} → ${t.to}${numbers} after ${t.polls} polls`);
      if (t.state.phase === 'succeeded' && t.state.content) {
        const file = join(tmpdir(), `${taskId}.pdf`);
        writeFileSync(file, t.state.content);
        console.log(`wrote ${t.state.content.length} bytes to ${file}`);
      }
      if (t.state.phase === 'rejected') console.log(t.state.error.errorCode, t.state.error.details);
      if (t.state.phase === 'failed') console.log(t.state.error.message);
    },
    error(e) {
      console.error(`${e.name}: ${e.message}`);
      process.exitCode = 3;
      sim.close();
    },
    complete() {
      sim.close();
    },
  });
  // Ctrl-C: unsubscribing aborts the request in flight; nothing else keeps the process alive.
  process.once('SIGINT', () => {
    subscription.unsubscribe();
    sim.close();
  });
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});

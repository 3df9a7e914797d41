// Runs the poll-efficiency scenario (bench/schedules.mjs) in its own process against the build in `dist`.
import { pathToFileURL } from 'node:url';
import { runSchedules } from './schedules.mjs';

const job = JSON.parse(process.argv[2]);
const lib = await import(pathToFileURL(`${job.dist}/esm/index.js`).href);
const rows = runSchedules(lib, job);
process.send({ type: 'result', result: rows });
setTimeout(() => process.exit(0), 50);

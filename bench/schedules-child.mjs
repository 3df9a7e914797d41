// Runs the poll-efficiency scenario (bench/schedules.mjs) in its own process against the build in `dist`.
import { loadBuild, runSchedules } from './schedules.mjs';

const job = JSON.parse(process.argv[2]);
const { lib, internals } = await loadBuild(job.dist);
const result = runSchedules(lib, job, internals);
process.send({ type: 'result', result });
setTimeout(() => process.exit(0), 50);

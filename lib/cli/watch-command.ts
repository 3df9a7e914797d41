import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { isTaskId } from '../options.js';
import type { TaskStatusOptions } from '../options.js';
import { createTaskClient } from '../task-client.js';
import type { CliIo } from './cli-io.js';
import { createLogReporter } from './log-reporter.js';
import { createNdjsonReporter } from './ndjson-reporter.js';
import { colourWanted, createPaint } from './paint.js';
import { parseDuration } from './parse-duration.js';
import { redactingStream, redactText } from './redact.js';
import { createTtyReporter } from './tty-reporter.js';
import { UsageError } from './usage-error.js';
import { usageText } from './usage.js';
import { watchTasks } from './watch-tasks.js';

/** The environment variables the command reads. */
export type CliEnv = Readonly<Record<string, string | undefined>>;

/** `watch` arguments, parsed and checked. @internal */
export interface WatchArgs {
  readonly taskIds: readonly string[];
  readonly baseUrl: string;
  readonly tokenFile: string | undefined;
  readonly interval: number | undefined;
  readonly deadline: number | undefined;
  readonly json: boolean;
  readonly out: string | undefined;
  readonly help: boolean;
}

/**
 * Refuses any spelling of a `--token` flag before parsing, with the reason: a token on the
 * command line ends up in shell history and in every user's `ps` output. The value is never
 * echoed.
 *
 * @internal
 */
export function refuseTokenFlag(args: readonly string[], command: string): void {
  for (const arg of args) {
    if (arg === '--') return;
    if (arg === '--token' || arg.startsWith('--token=') || arg === '--bearer' || arg.startsWith('--bearer=')) {
      throw new UsageError(
        'the token is not accepted on the command line (it would be saved in your shell history and shown by ps); ' +
          'set FACTPULSE_TOKEN or pass --token-file PATH',
        command,
      );
    }
  }
}

/** True for loopback hosts, where plain http is acceptable. @internal */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/**
 * Parses and checks the arguments of `watch` (a {@link UsageError} for anything wrong).
 *
 * @internal
 */
export function parseWatchArgs(args: readonly string[], env: CliEnv): WatchArgs {
  refuseTokenFlag(args, 'watch');
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: {
        'base-url': { type: 'string' },
        'token-file': { type: 'string' },
        interval: { type: 'string' },
        deadline: { type: 'string' },
        json: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message, 'watch');
  }
  const { values, positionals } = parsed;
  const help = values.help === true;
  if (help) return { taskIds: [], baseUrl: '', tokenFile: undefined, interval: undefined, deadline: undefined, json: false, out: undefined, help };
  if (positionals.length === 0) throw new UsageError('no task id given', 'watch');
  const bad = positionals.filter((id): boolean => !isTaskId(id));
  if (bad.length > 0) {
    throw new UsageError(`task ids must be UUIDs; not one: ${bad.map((b) => JSON.stringify(b.slice(0, 40))).join(', ')}`, 'watch');
  }
  const baseUrl = values['base-url'] ?? env['FACTPULSE_BASE_URL'] ?? 'https://factpulse.fr';
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url must be an absolute URL such as https://factpulse.fr (got ${JSON.stringify(baseUrl.slice(0, 60))})`, 'watch');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--base-url must be an http or https URL', 'watch');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw new UsageError(`refusing to send the token over plain http to ${url.host}: use https (plain http is only allowed to this machine)`, 'watch');
  }
  const interval = values.interval === undefined ? undefined : parseDuration(values.interval, '--interval', 'watch');
  if (interval !== undefined && interval < 1) throw new UsageError('--interval must be at least 1ms', 'watch');
  const deadline = values.deadline === undefined ? undefined : parseDuration(values.deadline, '--deadline', 'watch');
  return {
    taskIds: positionals,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    tokenFile: values['token-file'],
    interval,
    deadline,
    json: values.json === true,
    out: values.out,
    help,
  };
}

/**
 * Reads the token: from `--token-file` (first line, trimmed) when given, else `FACTPULSE_TOKEN`.
 *
 * @internal
 */
export async function readToken(tokenFile: string | undefined, env: CliEnv, cwd: string, command = 'watch'): Promise<string> {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = await readFile(resolve(cwd, tokenFile), 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --token-file ${tokenFile}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, command);
    }
    const token = text.split(/\r?\n/)[0]?.trim() ?? '';
    if (token === '') throw new UsageError(`--token-file ${tokenFile} is empty`, command);
    return token;
  }
  const token = env['FACTPULSE_TOKEN']?.trim();
  if (token === undefined || token === '') throw new UsageError('no token: set FACTPULSE_TOKEN or pass --token-file PATH', command);
  return token;
}

/** The FactPulse status path the command polls (passed to the client, so the URL it names in errors is the one requested). @internal */
export const STATUS_PATH = (encodedTaskId: string): string => `/api/v1/processing/tasks/${encodedTaskId}/status`;

/**
 * The status URL of a task as the command shows it: the base URL without any user info, then
 * the status path. The token is never part of it (it travels in the `Authorization` header).
 *
 * @internal
 */
export function statusUrlOf(baseUrl: string): (taskId: string) => string {
  let shown = baseUrl;
  try {
    const url = new URL(baseUrl);
    if (url.username !== '' || url.password !== '') {
      url.username = '';
      url.password = '';
      shown = url.href.replace(/\/+$/, '');
    }
  } catch {
    // parseWatchArgs already refused a URL that does not parse
  }
  return (taskId) => shown + STATUS_PATH(encodeURIComponent(taskId));
}

/**
 * `factpulse-rx watch`: follows the tasks and returns the exit code. Every token the token
 * source hands out (the first, and each one read again after a 401) is redacted from stdout,
 * stderr and the error `main` prints.
 *
 * @internal
 */
export async function watchCommand(args: readonly string[], env: CliEnv, io: CliIo): Promise<number> {
  const secrets = new Set<string>();
  try {
    return await watch(args, env, { ...io, stdout: redactingStream(io.stdout, secrets), stderr: redactingStream(io.stderr, secrets) }, secrets);
  } catch (error) {
    if (error instanceof Error) error.message = redactText(error.message, secrets);
    throw error;
  }
}

async function watch(args: readonly string[], env: CliEnv, io: CliIo, secrets: Set<string>): Promise<number> {
  const parsed = parseWatchArgs(args, env);
  if (parsed.help) {
    io.stdout.write(usageText('watch'));
    return 0;
  }
  // A password in --base-url is a secret too (it is never printed either).
  const { password } = new URL(parsed.baseUrl);
  if (password !== '') {
    secrets.add(password);
    try {
      secrets.add(decodeURIComponent(password));
    } catch {
      // not percent-encoded text: the raw form is redacted
    }
  }
  const cwd = io.cwd ?? process.cwd();
  const token = await readToken(parsed.tokenFile, env, cwd);
  secrets.add(token);
  const tokenFile = parsed.tokenFile === undefined ? undefined : resolve(cwd, parsed.tokenFile);
  // A token file is read again when the API refuses the token, so a rotated file is picked up;
  // every token read is redacted from then on.
  let current = token;
  const tokenSource = async ({ refresh }: { refresh: boolean }): Promise<string> => {
    if (refresh && tokenFile !== undefined) current = await readToken(parsed.tokenFile, env, cwd).catch(() => current);
    secrets.add(current);
    return current;
  };
  const statusOptions: TaskStatusOptions = {
    baseUrl: parsed.baseUrl,
    token: tokenFile === undefined ? token : tokenSource,
    statusPath: STATUS_PATH,
    ...(parsed.interval === undefined ? {} : { interval: parsed.interval }),
    ...(parsed.deadline === undefined ? {} : { deadline: parsed.deadline }),
  };
  const requestUrl = statusUrlOf(parsed.baseUrl);
  const stdout = io.stdout;
  // A terminal gets live lines, redrawn in place, when they all fit on the screen (cursor moves
  // cannot reach above its top); more tasks than that get one plain line per event instead.
  const paint = createPaint(colourWanted(io.stdout, env));
  const fits = new Set(parsed.taskIds).size <= Math.max(1, (io.stdout.rows !== undefined && io.stdout.rows > 0 ? io.stdout.rows : 24) - 2);
  const reporter =
    parsed.json || io.stdout.isTTY !== true
      ? createNdjsonReporter(stdout, { requestUrl })
      : fits
        ? createTtyReporter(stdout, { paint, requestUrl })
        : createLogReporter(stdout, { paint, requestUrl });
  // One client for all ids: a shared budget of requests in flight, and its events give the live
  // poll counts, retries and progress.
  const client = createTaskClient(statusOptions);
  try {
    const summary = await watchTasks({
      taskIds: parsed.taskIds,
      follow: (taskId) => client.status$(taskId),
      activity$: client.events$,
      reporter,
      ...(parsed.out === undefined ? {} : { outDir: resolve(cwd, parsed.out) }),
      ...(io.signal === undefined ? {} : { signal: io.signal }),
    });
    return summary.exitCode;
  } finally {
    client.dispose();
  }
}

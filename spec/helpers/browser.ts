/**
 * Chromium for the browser specs: the binary the suite's globalSetup provisioned
 * (spec/helpers/services/), launched headless with playwright-core.
 *
 * @internal
 */
import { chromium, type Browser, type LaunchOptions } from 'playwright-core';

/** Flags that keep a headless test browser quiet and off the network. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * The Chromium binary globalSetup provisioned (`FACTPULSE_RX_CHROMIUM`). Throws the one line
 * naming the command to run when the suite could not provide one.
 */
export function chromiumPath(): string {
  const unavailable = process.env['FACTPULSE_RX_CHROMIUM_UNAVAILABLE'];
  if (unavailable !== undefined) throw new Error(unavailable);
  const path = process.env['FACTPULSE_RX_CHROMIUM'];
  if (path === undefined) throw new Error('No FACTPULSE_RX_CHROMIUM: run the browser specs through `npm test` / `npx jest` (its globalSetup provisions Chromium).');
  return path;
}

/** Launches the provisioned Chromium headless. */
export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({ ...options, executablePath: chromiumPath(), args: [...CHROMIUM_ARGS, ...(options.args ?? [])] });
}

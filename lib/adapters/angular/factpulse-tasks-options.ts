import { InjectionToken, runInInjectionContext, type Injector } from '@angular/core';
import type { HttpClient } from '@angular/common/http';
import { checkTaskClientOptions, failOption, type TaskClientOptions, type TokenSource } from '../../index.js';
import { checkHttpClientOptions, createHttpClientTransport, type HttpClientTransportOptions } from './http-client-transport.js';

/**
 * Options of `provideFactPulseTasks`: every `createTaskClient` option except `fetch` and
 * `transport` (requests go through the app's `HttpClient`), plus the HttpClient request options.
 * Every field is optional.
 *
 * Auth, two ways: pass `token` (the `Authorization: Bearer` header is set by the library, and
 * refreshed once after a 401), or leave `token` out and let your own interceptor (or a
 * same-origin proxy that holds the token server-side) authenticate: then no `Authorization`
 * header is set and a plain-http `baseUrl` is allowed.
 *
 * @example
 * ```ts
 * provideFactPulseTasks({ baseUrl: '/factpulse', interval: 2000, retry: { maxRetries: 3 } })
 * ```
 */
export interface FactPulseTasksOptions extends Omit<TaskClientOptions, 'fetch' | 'transport' | 'baseUrl' | 'token'>, HttpClientTransportOptions {
  /**
   * Origin (and optional path prefix) of the API. In the browser it may be relative (`/factpulse`,
   * for a proxy on the app's own origin): it is resolved against the document's base URI.
   * @default 'https://factpulse.fr'
   */
  readonly baseUrl?: string | undefined;
  /**
   * Bearer token: a string, or a function called with `{ refresh }` returning a string, a Promise
   * or an Observable (called with `refresh: true` once after a 401). The function runs in the
   * injection context of the injector that created the service, so it may call `inject()`.
   * Leave it out to leave auth to your interceptors.
   * @default undefined (no Authorization header)
   */
  readonly token?: TokenSource | undefined;
}

/** @internal The options given to `provideFactPulseTasks`, as given. */
export const FACTPULSE_TASKS_OPTIONS = /* @__PURE__ */ new InjectionToken<FactPulseTasksOptions | (() => FactPulseTasksOptions)>('FACTPULSE_TASKS_OPTIONS');

/** Options a task client takes that the Angular entry point sets itself. */
const NOT_OPTIONS = ['fetch', 'transport'] as const;
const ABSOLUTE = /^[a-z][a-z0-9+.-]*:/i;
/** The origin relative base URLs are checked against when no document is at hand yet. */
const PLACEHOLDER_BASE = 'https://localhost/';

/** @internal What building the client options needs from the injector. */
export interface ClientOptionsContext {
  readonly http: HttpClient;
  readonly injector: Injector;
  /** The document's base URI, read only when `baseUrl` is relative. */
  readonly baseUri: () => string | undefined;
}

function splitOptions(options: unknown): { transport: HttpClientTransportOptions; rest: Omit<FactPulseTasksOptions, keyof HttpClientTransportOptions> } {
  if (typeof options !== 'object' || options === null) failOption('provideFactPulseTasks: options', 'an object', options);
  for (const key of NOT_OPTIONS) {
    if (key in options && (options as Record<string, unknown>)[key] !== undefined) {
      failOption(`provideFactPulseTasks: ${key}`, "absent (not an option of provideFactPulseTasks: requests go through the app's HttpClient; add an interceptor instead)", (options as Record<string, unknown>)[key]);
    }
  }
  const { withCredentials, context, ...rest } = options as FactPulseTasksOptions;
  checkHttpClientOptions({ withCredentials, context });
  const transport: HttpClientTransportOptions = {
    ...(withCredentials !== undefined ? { withCredentials } : {}),
    ...(context !== undefined ? { context } : {}),
  };
  return { transport, rest };
}

function resolveBaseUrl(baseUrl: unknown, base: () => string | undefined): string | undefined {
  if (baseUrl === undefined || typeof baseUrl !== 'string' || ABSOLUTE.test(baseUrl)) return baseUrl as string | undefined;
  const against = base();
  if (against === undefined || !ABSOLUTE.test(against)) {
    failOption('baseUrl', 'an absolute URL: it is relative but there is no document base URI to resolve it against', baseUrl);
  }
  try {
    return new URL(baseUrl, against).href;
  } catch {
    failOption('baseUrl', 'an absolute URL or a path relative to the document', baseUrl);
  }
}

/**
 * @internal Validates options when `provideFactPulseTasks` is called (a `TypeError` naming the
 * field), before any injector exists: a relative `baseUrl` is checked against a placeholder origin.
 */
export function checkTasksOptions(options: unknown): void {
  const { rest } = splitOptions(options);
  checkTaskClientOptions({ ...rest, baseUrl: resolveBaseUrl(rest.baseUrl, () => PLACEHOLDER_BASE) });
}

/**
 * @internal Turns the Angular options into `createTaskClient` options: the HttpClient transport,
 * a relative `baseUrl` resolved, a token function run in the injector's injection context.
 */
export function toClientOptions(options: unknown, context: ClientOptionsContext): TaskClientOptions {
  const { transport, rest } = splitOptions(options);
  const { token, baseUrl } = rest;
  const resolved = resolveBaseUrl(baseUrl, context.baseUri);
  return {
    ...rest,
    ...(resolved !== undefined ? { baseUrl: resolved } : {}),
    ...(typeof token === 'function' ? { token: (ctx) => runInInjectionContext(context.injector, () => token(ctx)) } : {}),
    transport: createHttpClientTransport(context.http, transport),
  };
}

import { makeEnvironmentProviders, type EnvironmentProviders } from '@angular/core';
import { FACTPULSE_TASKS_OPTIONS, checkTasksOptions, type FactPulseTasksOptions } from './factpulse-tasks-options.js';
import { TaskStatusService } from './task-status-service.js';

/**
 * Configures `TaskStatusService` for an app (`bootstrapApplication` / `ApplicationConfig`
 * providers) or for a route's environment injector (`Route.providers`, which then gets its own
 * service and poll loops). Give the options, or a factory called in an injection context when the
 * service is created (to read them from other services with `inject()`).
 *
 * An options object is validated now: a `TypeError` names the bad field. Without a `token`, no
 * `Authorization` header is set: auth is left to your interceptors. Requests go through the
 * `HttpClient` of the injector (`provideHttpClient(withInterceptors(…), withFetch())`).
 *
 * @example
 * ```ts
 * bootstrapApplication(AppComponent, {
 *   providers: [
 *     provideHttpClient(withFetch(), withInterceptors([authInterceptor])),
 *     provideFactPulseTasks({ baseUrl: 'https://factpulse.fr', interval: 2500 }),
 *     // or: provideFactPulseTasks(() => ({ token: () => inject(AuthStore).accessToken() })),
 *   ],
 * })
 * ```
 */
export function provideFactPulseTasks(options: FactPulseTasksOptions | (() => FactPulseTasksOptions) = {}): EnvironmentProviders {
  if (typeof options !== 'function') checkTasksOptions(options);
  return makeEnvironmentProviders([
    { provide: FACTPULSE_TASKS_OPTIONS, useValue: options },
    { provide: TaskStatusService, useFactory: () => new TaskStatusService() },
  ]);
}

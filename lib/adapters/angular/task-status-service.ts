import {
  DOCUMENT,
  DestroyRef,
  Injector,
  assertInInjectionContext,
  inject,
  ɵɵdefineInjectable,
  type ɵɵInjectableDeclaration,
} from '@angular/core';
import { HttpClient } from '@angular/common/http';
import type { Observable } from 'rxjs';
import {
  createTaskClient,
  type TaskClient,
  type TaskClientEvent,
  type TaskClientStats,
  type TaskRequestInterceptor,
  type TaskSucceeded,
  type TaskTransition,
} from '../../index.js';
import { FACTPULSE_TASKS_OPTIONS, toClientOptions } from './factpulse-tasks-options.js';
import { createTaskStatusSignal, type TaskIdInput, type TaskStatusSignal, type TaskStatusSignalOptions } from './task-status-signal.js';

/**
 * Follows FactPulse tasks for an Angular app: a `createTaskClient` whose requests go through the
 * app's `HttpClient` (interceptors, `withFetch()`, `provideHttpClientTesting()` apply), configured
 * by `provideFactPulseTasks` (defaults without it), and disposed with its injector.
 *
 * Injectable anywhere, provided in root: `inject(TaskStatusService)`. One poll loop per task id,
 * however many components follow it.
 *
 * @example
 * ```ts
 * export class InvoiceComponent {
 *   private readonly tasks = inject(TaskStatusService)
 *   readonly status = this.tasks.statusSignal('0b9f3a52-6f0e-4a57-9a0a-2f6c1d8e4b10')
 *   readonly pdf$ = this.tasks.result$('0b9f3a52-6f0e-4a57-9a0a-2f6c1d8e4b10')
 * }
 * ```
 */
export class TaskStatusService {
  /**
   * Angular's injectable definition, as the Angular compiler writes it for
   * `@Injectable({ providedIn: 'root' })`: lets this class, built with plain `tsc`, be injected in
   * AOT and JIT apps alike without a decorator or the runtime compiler.
   * @internal
   */
  static readonly ɵprov: ɵɵInjectableDeclaration<TaskStatusService> = /* @__PURE__ */ ɵɵdefineInjectable({
    token: TaskStatusService,
    providedIn: 'root',
    factory: () => new TaskStatusService(),
  });

  private readonly client: TaskClient;

  /** Hot: every request start/end, retry, cache hit… of this service's client (see `TaskClientEvent`). */
  readonly events$: Observable<TaskClientEvent>;

  /**
   * Must run in an injection context (Angular does this when it injects the service). Reads the
   * options of `provideFactPulseTasks` (a factory form is called here) and validates them: a
   * `TypeError` naming the bad field.
   */
  constructor() {
    const injector = inject(Injector);
    const configured = inject(FACTPULSE_TASKS_OPTIONS, { optional: true }) ?? {};
    const options = typeof configured === 'function' ? configured() : configured;
    const http = inject(HttpClient);
    this.client = createTaskClient(
      toClientOptions(options, { http, injector, baseUri: () => injector.get(DOCUMENT, null, { optional: true })?.baseURI }),
    );
    this.events$ = this.client.events$;
    inject(DestroyRef).onDestroy(() => this.client.dispose());
  }

  /**
   * The transitions of `taskId` (see `TaskClient.status$`): one shared poll loop per id; a
   * terminal transition then complete. Throws a `TypeError` at once when `taskId` is not a UUID.
   */
  status$(taskId: string): Observable<TaskTransition> {
    return this.client.status$(taskId);
  }

  /**
   * The decoded success of `taskId` (`content`: the PDF bytes, `result`: the other fields), or
   * `TaskFailedError` / `TaskRejectedError`.
   */
  result$(taskId: string): Observable<TaskSucceeded> {
    return this.client.result$(taskId);
  }

  /** Follows whichever task id `taskId$` named last, dropping the previous one. */
  follow(taskId$: Observable<string | null | undefined>): Observable<TaskTransition> {
    return this.client.follow(taskId$);
  }

  /**
   * A signal of the latest transition of `taskId` (a task id, or a signal of one), subscribed now
   * and unsubscribed when the calling injection context is destroyed (a component, a route's
   * injector). Call it in an injection context (a field initialiser, a constructor), or pass
   * `{ injector }`. See `TaskStatusSignal`.
   */
  statusSignal(taskId: TaskIdInput, options?: TaskStatusSignalOptions): TaskStatusSignal {
    let injector = options?.injector;
    if (injector === undefined) {
      assertInInjectionContext(this.statusSignal);
      injector = inject(Injector);
    }
    return createTaskStatusSignal(this, taskId, injector);
  }

  /** A snapshot of the client's activity (tasks, requests in flight, retries, cache). */
  stats(): TaskClientStats {
    return this.client.stats();
  }

  /**
   * Wraps each request of this service's client (see `TaskClient.addInterceptor`); returns the
   * function that removes it. What `instrumentTaskClient` of `factpulse-rx/otel` attaches.
   */
  addInterceptor(interceptor: TaskRequestInterceptor): () => void {
    return this.client.addInterceptor(interceptor);
  }
}

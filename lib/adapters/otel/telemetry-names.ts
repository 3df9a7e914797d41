/**
 * @internal The names `instrumentTaskClient` records under: OpenTelemetry semantic conventions
 * where one exists (HTTP client spans and metrics, `error.type`), `factpulse.*` otherwise. One
 * table, so the README's and the code's cannot drift apart (spec/adapters/otel checks both).
 */
export const METRICS = {
  requestDuration: 'http.client.request.duration',
  requests: 'factpulse.client.requests',
  retries: 'factpulse.client.retries',
  waitDuration: 'factpulse.client.request.wait_duration',
  inFlight: 'factpulse.client.requests.in_flight',
  queued: 'factpulse.client.requests.queued',
  activeTasks: 'factpulse.client.tasks.active',
  tasks: 'factpulse.client.tasks',
  tasksEnded: 'factpulse.client.tasks.ended',
  transitions: 'factpulse.client.transitions',
  taskDuration: 'factpulse.task.duration',
  cacheHits: 'factpulse.client.cache_hits',
  staleResponses: 'factpulse.client.stale_responses',
  budgetExhausted: 'factpulse.client.retry_budget.exhausted',
  hubRoles: 'factpulse.client.hub.role_changes',
  hubFallbacks: 'factpulse.client.hub.fallbacks',
} as const;

/** @internal Span names. */
export const SPANS = {
  task: 'factpulse.task',
  request: 'GET',
} as const;

/** @internal Attribute names. */
export const ATTR = {
  method: 'http.request.method',
  statusCode: 'http.response.status_code',
  resendCount: 'http.request.resend_count',
  urlFull: 'url.full',
  urlScheme: 'url.scheme',
  serverAddress: 'server.address',
  serverPort: 'server.port',
  errorType: 'error.type',
  statusClass: 'factpulse.http.status_class',
  outcome: 'factpulse.request.outcome',
  retryReason: 'factpulse.retry.reason',
  taskId: 'factpulse.task.id',
  taskOutcome: 'factpulse.task.outcome',
  phase: 'factpulse.task.phase',
  fromPhase: 'factpulse.task.from_phase',
  celeryStatus: 'factpulse.task.celery_status',
  progress: 'factpulse.task.progress',
  polls: 'factpulse.task.polls',
  resumed: 'factpulse.task.resumed',
  attempt: 'factpulse.retry.attempt',
  delay: 'factpulse.retry.delay_ms',
  hubRole: 'factpulse.hub.role',
  aborted: 'factpulse.request.aborted',
} as const;

/** @internal Span event names. */
export const SPAN_EVENTS = {
  transition: 'factpulse.task.transition',
  retry: 'factpulse.task.retry',
  stale: 'factpulse.task.stale_response',
  hubRole: 'factpulse.hub.role',
  hubFallback: 'factpulse.hub.fallback',
} as const;

import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  Component,
  EnvironmentInjector,
  PLATFORM_ID,
  createEnvironmentInjector,
  provideZonelessChangeDetection,
  runInInjectionContext,
  signal,
  type Provider,
} from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideFactPulseTasks } from '../../../lib/adapters/angular/provide-factpulse-tasks.js';
import { TaskStatusService } from '../../../lib/adapters/angular/task-status-service.js';
import { taskStatus } from '../../../lib/adapters/angular/task-status.js';
import { AuthError } from '../../../lib/errors/auth-error.js';
import { ManualClock, OTHER_TASK_ID, TASK_ID, TOKEN, statusBody, statusUrl, successBody } from './angular-kit.js';

/** A component following one task, as an app would write it (decorator applied as a call: JIT, no decorator syntax). */
class TaskBadgeComponent {
  readonly status = taskStatus(TASK_ID);
}
Component({
  selector: 'app-task-badge',
  template: `{{ status()?.to ?? 'waiting' }} after {{ status()?.polls ?? 0 }} polls{{ status.error() ? ' (error)' : '' }}`,
})(TaskBadgeComponent);

/** A component whose task id is a signal (like an input or a route parameter). */
class SwitchingComponent {
  readonly taskId = signal<string | null>(TASK_ID);
  readonly status = taskStatus(this.taskId);
}
Component({ selector: 'app-switching', template: `{{ status()?.taskId ?? '-' }}:{{ status()?.to ?? 'waiting' }}` })(SwitchingComponent);

describe('taskStatus() / TaskStatusService.statusSignal()', () => {
  let clock: ManualClock;
  let backend: HttpTestingController;

  const setUp = (extra: Provider[] = []): void => {
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(),
        provideHttpClientTesting(),
        provideFactPulseTasks({ token: TOKEN, interval: 1000, scheduler: clock.scheduler }),
        ...extra,
      ],
    });
    backend = TestBed.inject(HttpTestingController);
  };

  const text = async (fixture: ComponentFixture<unknown>): Promise<string> => {
    await fixture.whenStable();
    return (fixture.nativeElement as HTMLElement).textContent?.trim() ?? '';
  };

  beforeEach(() => {
    clock = new ManualClock();
  });

  afterEach(() => backend.verify());

  it('shows each phase in a component and stops polling when the component is destroyed', async () => {
    setUp();
    const fixture = TestBed.createComponent(TaskBadgeComponent);
    expect(await text(fixture)).toBe('waiting after 0 polls');

    backend.expectOne(statusUrl()).flush(statusBody('PENDING'));
    expect(await text(fixture)).toBe('pending after 1 polls');

    clock.advance(1000);
    backend.expectOne(statusUrl()).flush(statusBody('STARTED'));
    expect(await text(fixture)).toBe('started after 2 polls');

    clock.advance(1000);
    const inFlight = backend.expectOne(statusUrl());
    fixture.destroy();
    expect(inFlight.cancelled).toBe(true);
    clock.advance(60_000);
    backend.expectNone(statusUrl());
  });

  it('ends at the terminal transition', async () => {
    setUp();
    const fixture = TestBed.createComponent(TaskBadgeComponent);
    backend.expectOne(statusUrl()).flush(successBody());
    expect(await text(fixture)).toBe('succeeded after 1 polls');
    const state = fixture.componentInstance.status()?.state;
    expect(state?.phase === 'succeeded' && state.content?.byteLength).toBeGreaterThan(0);
    clock.advance(60_000);
    backend.expectNone(statusUrl());
  });

  it('puts an error in .error() and never throws on read', async () => {
    setUp();
    const fixture = TestBed.createComponent(TaskBadgeComponent);
    backend.expectOne(statusUrl()).flush({ detail: 'Not authenticated' }, { status: 401, statusText: 'Unauthorized' });
    expect(await text(fixture)).toBe('waiting after 0 polls (error)');
    const { status } = fixture.componentInstance;
    expect(status.error()).toBeInstanceOf(AuthError);
    expect(() => status()).not.toThrow();
  });

  it('follows the task a signal names: a new id drops the old task, null follows nothing', async () => {
    setUp();
    const fixture = TestBed.createComponent(SwitchingComponent);
    expect(await text(fixture)).toBe('-:waiting');
    backend.expectOne(statusUrl()).flush(statusBody('STARTED'));
    expect(await text(fixture)).toBe(`${TASK_ID}:started`);

    clock.advance(1000);
    const old = backend.expectOne(statusUrl());
    fixture.componentInstance.taskId.set(OTHER_TASK_ID);
    expect(await text(fixture)).toBe('-:waiting'); // reset for the new task
    expect(old.cancelled).toBe(true);
    backend.expectOne(statusUrl(OTHER_TASK_ID)).flush(statusBody('PENDING', undefined, OTHER_TASK_ID));
    expect(await text(fixture)).toBe(`${OTHER_TASK_ID}:pending`);

    clock.advance(1000);
    const last = backend.expectOne(statusUrl(OTHER_TASK_ID));
    fixture.componentInstance.taskId.set(null);
    expect(await text(fixture)).toBe('-:waiting');
    expect(last.cancelled).toBe(true);
    clock.advance(60_000);
    backend.expectNone(() => true);

    fixture.componentInstance.taskId.set('not-a-uuid');
    expect(await text(fixture)).toBe('-:waiting');
    expect(fixture.componentInstance.status.error()).toBeInstanceOf(TypeError);
    fixture.componentInstance.taskId.set(TASK_ID); // a valid id after a bad one is followed again
    await fixture.whenStable();
    expect(fixture.componentInstance.status.error()).toBeUndefined();
    backend.expectOne(statusUrl()).flush(statusBody('PENDING'));
    expect(await text(fixture)).toBe(`${TASK_ID}:pending`);
  });

  it('statusSignal() lives as long as the injector it was created in', () => {
    setUp();
    const child = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    const status = runInInjectionContext(child, () => TestBed.inject(TaskStatusService).statusSignal(TASK_ID));
    expect(status()).toBeUndefined();
    backend.expectOne(statusUrl()).flush(statusBody('PENDING'));
    expect(status()?.to).toBe('pending');
    clock.advance(1000);
    backend.expectOne(statusUrl()).flush(statusBody('RETRY'));
    expect(status()?.to).toBe('retrying');

    clock.advance(1000);
    const inFlight = backend.expectOne(statusUrl());
    child.destroy();
    expect(inFlight.cancelled).toBe(true);
    clock.advance(60_000);
    backend.expectNone(statusUrl());
    expect(status()?.to).toBe('retrying'); // the last value stays readable
  });

  it('takes an injector outside an injection context, and refuses to run without either', () => {
    setUp();
    expect(() => taskStatus(TASK_ID)).toThrow(/NG0203/);
    expect(() => TestBed.inject(TaskStatusService).statusSignal(TASK_ID)).toThrow(/NG0203/);
    const child = createEnvironmentInjector([], TestBed.inject(EnvironmentInjector));
    const status = taskStatus(TASK_ID, { injector: child });
    backend.expectOne(statusUrl()).flush(statusBody('STARTED'));
    expect(status()?.to).toBe('started');
    child.destroy();
  });

  it('throws a TypeError at call time for a task id that is not a UUID', () => {
    setUp();
    expect(() => TestBed.runInInjectionContext(() => taskStatus('12345'))).toThrow(/taskId: must be a UUID/);
    expect(() => TestBed.runInInjectionContext(() => taskStatus(42 as unknown as string))).toThrow(TypeError);
  });

  it('does not poll on the server', () => {
    setUp([{ provide: PLATFORM_ID, useValue: 'server' }]);
    const fixed = TestBed.runInInjectionContext(() => taskStatus(TASK_ID));
    const followed = TestBed.runInInjectionContext(() => taskStatus(signal(TASK_ID)));
    TestBed.tick();
    clock.advance(10_000);
    backend.expectNone(() => true);
    expect(fixed()).toBeUndefined();
    expect(followed()).toBeUndefined();
  });
});

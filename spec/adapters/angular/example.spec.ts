/**
 * The example component of examples/angular, run as an app's test would run it (TestBed,
 * HttpTestingController): it shows a task's progress and offers the PDF when the task succeeds.
 * (The Angular compiler check of the same files is `npx ngc -p examples/angular/tsconfig.json`.)
 */
import { provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { Input, provideZonelessChangeDetection, type Type } from '@angular/core';
import { TestBed, type ComponentFixture } from '@angular/core/testing';
import { provideFactPulseTasks } from '../../../lib/adapters/angular/provide-factpulse-tasks.js';
import { ManualClock, PDF_BYTES, TASK_ID, statusBody, statusUrl, successBody } from './angular-kit.js';

// Loaded at run time, not imported: the root tsconfig (typecheck) does not compile the example,
// whose own tsconfig sets decorators and the package paths (jest.config.js maps them).
const { TaskProgress } = jest.requireActual<{ TaskProgress: Type<unknown> }>('../../../examples/angular/src/app/task-progress');
// What the Angular CLI's JIT transform adds for a signal input (`input.required()`).
Input({ isSignal: true, alias: 'taskId', required: true, transform: undefined } as never)(TaskProgress.prototype, 'taskId');

describe('examples/angular TaskProgress', () => {
  let clock: ManualClock;
  let backend: HttpTestingController;
  let fixture: ComponentFixture<unknown>;
  const created: Blob[] = [];
  const revoked: string[] = [];

  const view = async (): Promise<HTMLElement> => {
    await fixture.whenStable();
    return fixture.nativeElement as HTMLElement;
  };
  const text = async (): Promise<string> => ((await view()).textContent ?? '').replace(/\s+/g, ' ').trim();

  beforeEach(async () => {
    clock = new ManualClock();
    created.length = 0;
    revoked.length = 0;
    // jsdom has no object URLs.
    URL.createObjectURL = (blob: Blob) => `blob:pdf-${created.push(blob)}`;
    URL.revokeObjectURL = (url: string) => void revoked.push(url);
    TestBed.configureTestingModule({
      providers: [
        provideZonelessChangeDetection(),
        provideHttpClient(),
        provideHttpClientTesting(),
        provideFactPulseTasks({ interval: 1000, scheduler: clock.scheduler }),
      ],
    });
    backend = TestBed.inject(HttpTestingController);
    fixture = TestBed.createComponent(TaskProgress);
    fixture.componentRef.setInput('taskId', TASK_ID);
    await fixture.whenStable();
  });

  afterEach(() => backend.verify());

  it('shows the progress, then offers the PDF for download (revoking its URL when destroyed)', async () => {
    expect(await text()).toContain('Asking FactPulse…');
    backend.expectOne(statusUrl()).flush(statusBody('PROGRESS', { current: 1, total: 4 }));
    const progress = (await view()).querySelector('progress');
    expect(await text()).toContain('Generating the invoice…');
    expect(progress?.value).toBe(1);
    expect(progress?.max).toBe(4);
    expect((await view()).querySelector('.count')?.textContent?.trim()).toBe('1 / 4 · 25 %');
    expect((await view()).querySelector('.requests')?.textContent?.trim()).toBe('1 status requests');

    clock.advance(1000);
    backend.expectOne(statusUrl()).flush(statusBody('PROGRESS', { current: 3, total: 4 }));
    expect((await view()).querySelector('progress')?.value).toBe(3);
    expect((await view()).querySelector('.count')?.textContent?.trim()).toBe('3 / 4 · 75 %');

    clock.advance(1000);
    backend.expectOne(statusUrl()).flush(successBody());
    const link = (await view()).querySelector<HTMLAnchorElement>('a[download="invoice.pdf"]');
    expect(link?.getAttribute('href')).toBe('blob:pdf-1');
    expect(created[0]?.type).toBe('application/pdf');
    expect(created[0]?.size).toBe(PDF_BYTES.byteLength);
    expect((await view()).querySelector('progress')).toBeNull();
    expect(await text()).toContain('Your Factur-X invoice is ready.');
    // The link and the request counter are separate blocks, each with its own text.
    expect(link?.textContent?.trim()).toBe('Download the PDF');
    expect(link?.closest('.requests')).toBeNull();
    expect((await view()).querySelector('.requests')?.textContent?.trim()).toBe('3 status requests');

    fixture.destroy();
    expect(revoked).toEqual(['blob:pdf-1']);
  });

  it('shows an indeterminate bar while the task reports no progress', async () => {
    backend.expectOne(statusUrl()).flush(statusBody('STARTED', { pid: 4242, hostname: 'worker-1' }));
    const bar = (await view()).querySelector('progress');
    expect(bar).not.toBeNull();
    expect(bar?.hasAttribute('value')).toBe(false);
    expect((await view()).querySelector('.count')).toBeNull();
    expect(await text()).toContain('Generating the invoice…');
  });

  it('lists the AFNOR details of a rejected invoice', async () => {
    const details = [{ item: 'BT-1', reason: 'invoice number missing', level: 'Error', source: 'schematron' }];
    backend.expectOne(statusUrl()).flush(statusBody('SUCCESS', { status: 'ERROR', errorCode: 'SCHEMATRON', errorMessage: 'invalid invoice', details }));
    const root = await view();
    expect(root.querySelector('[role="status"]')?.textContent).toBe('FactPulse refused the invoice.');
    expect(await text()).toContain('SCHEMATRON: invalid invoice');
    expect([...root.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['BT-1: invoice number missing']);
    expect(root.querySelector('a')).toBeNull();
  });

  it('says why it cannot follow the task', async () => {
    backend.expectOne(statusUrl()).flush({ detail: 'Not authenticated' }, { status: 401, statusText: 'Unauthorized' });
    const alert = (await view()).querySelector('[role="alert"]');
    expect(alert?.textContent).toContain('Could not follow the task: AuthError: HTTP 401');
  });
});

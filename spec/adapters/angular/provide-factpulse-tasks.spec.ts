import { HttpContext, HttpContextToken, provideHttpClient } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { InjectionToken, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import type { FactPulseTasksOptions } from '../../../lib/adapters/angular/factpulse-tasks-options.js';
import { provideFactPulseTasks } from '../../../lib/adapters/angular/provide-factpulse-tasks.js';
import { TaskStatusService } from '../../../lib/adapters/angular/task-status-service.js';
import { TASK_ID, TOKEN, record, statusBody, statusUrl } from './angular-kit.js';

const API_URL = new InjectionToken<string>('API_URL');
const SKIP_SPINNER = new HttpContextToken<boolean>(() => false);

describe('provideFactPulseTasks', () => {
  let used: HttpTestingController | undefined;
  const follow = (providers: Parameters<typeof TestBed.configureTestingModule>[0]['providers']) => {
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), ...(providers ?? [])] });
    const backend = TestBed.inject(HttpTestingController);
    used = backend;
    const got = record(TestBed.inject(TaskStatusService).status$(TASK_ID));
    return { backend, got };
  };

  afterEach(() => {
    used?.verify();
    used = undefined;
  });

  it('validates an options object when called, with a TypeError naming the field', () => {
    expect(() => provideFactPulseTasks({ interval: -1 })).toThrow(/interval: must be/);
    expect(() => provideFactPulseTasks({ retry: { maxRetries: 1.5 } })).toThrow(/retry\.maxRetries/);
    expect(() => provideFactPulseTasks({ baseUrl: 'ftp://factpulse.fr' })).toThrow(/baseUrl: must be an http or https URL/);
    expect(() => provideFactPulseTasks({ token: TOKEN, baseUrl: 'http://factpulse.example' })).toThrow(/allowInsecureHttp/);
    expect(() => provideFactPulseTasks({ withCredentials: 1 as unknown as boolean })).toThrow(/withCredentials: must be a boolean/);
    expect(() => provideFactPulseTasks({ context: {} as unknown as () => HttpContext })).toThrow(/context: must be a function/);
    expect(() => provideFactPulseTasks({ transport: () => null } as unknown as FactPulseTasksOptions)).toThrow(
      /transport: must be absent \(not an option of provideFactPulseTasks/,
    );
    expect(() => provideFactPulseTasks({ fetch: () => Promise.resolve() } as unknown as FactPulseTasksOptions)).toThrow(/fetch: must be absent \(not an option/);
    expect(() => provideFactPulseTasks(null as unknown as FactPulseTasksOptions)).toThrow(/options: must be an object/);
  });

  it('allows a plain-http origin without a token (auth left to interceptors), and with allowInsecureHttp', () => {
    expect(() => provideFactPulseTasks({ baseUrl: 'http://factpulse.example' })).not.toThrow();
    expect(() => provideFactPulseTasks({ token: TOKEN, baseUrl: 'http://factpulse.example', allowInsecureHttp: true })).not.toThrow();
  });

  it('reads an option given as undefined as left out (options built from possibly-missing values)', () => {
    const { backend, got } = follow([provideFactPulseTasks({ baseUrl: undefined, token: undefined, withCredentials: undefined, context: undefined })]);
    const req = backend.expectOne(statusUrl());
    expect(req.request.headers.has('Authorization')).toBe(false);
    expect(req.request.withCredentials).toBe(false);
    req.flush(statusBody('STARTED'));
    expect(got.values.map((t) => t.to)).toEqual(['started']);
    got.subscription.unsubscribe();
  });

  it('resolves a relative baseUrl against the document (a proxy on the app origin)', () => {
    const { backend, got } = follow([provideFactPulseTasks({ baseUrl: '/factpulse/', token: TOKEN })]);
    // jsdom's document is at http://localhost/: loopback, so the token may go there over http.
    const req = backend.expectOne(statusUrl(TASK_ID, 'http://localhost/factpulse'));
    expect(req.request.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
    req.flush(statusBody('PENDING'));
    expect(got.values[0]?.to).toBe('pending');
    got.subscription.unsubscribe();
  });

  it('calls an options factory in an injection context when the service is created, and validates its result then', () => {
    const { backend, got } = follow([
      { provide: API_URL, useValue: 'https://api.example.test/tasks' },
      provideFactPulseTasks(() => ({ baseUrl: inject(API_URL) })),
    ]);
    backend.expectOne(statusUrl(TASK_ID, 'https://api.example.test/tasks')).flush(statusBody('STARTED'));
    expect(got.values[0]?.to).toBe('started');
    got.subscription.unsubscribe();

    TestBed.resetTestingModule();
    TestBed.configureTestingModule({ providers: [provideHttpClient(), provideHttpClientTesting(), provideFactPulseTasks(() => ({ interval: 'soon' as unknown as number }))] });
    expect(() => TestBed.inject(TaskStatusService)).toThrow(/interval: must be/);
  });

  it('sends withCredentials and the context factory with every poll', () => {
    const { backend, got } = follow([
      provideFactPulseTasks({ withCredentials: true, context: () => new HttpContext().set(SKIP_SPINNER, true) }),
    ]);
    const req = backend.expectOne(statusUrl());
    expect(req.request.withCredentials).toBe(true);
    expect(req.request.context.get(SKIP_SPINNER)).toBe(true);
    req.flush(statusBody('PENDING'));
    got.subscription.unsubscribe();
  });
});

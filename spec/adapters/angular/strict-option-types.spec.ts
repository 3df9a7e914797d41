/**
 * @jest-environment node
 *
 * The Angular entry point's option types in a strict app (`exactOptionalPropertyTypes`, as
 * TypeScript 6's `tsc --init` writes): an optional field also takes `undefined`, so options built
 * from possibly-missing values (`environment.apiUrl`, a config read at run time) compile.
 */
import { join } from 'node:path';
import ts from 'typescript';

jest.setTimeout(60_000);

const ROOT = join(__dirname, '../../..');

function problemsOf(code: string): string[] {
  const file = join(ROOT, 'spec/adapters/angular/__strict-options__.ts');
  const host = ts.createCompilerHost({});
  const read = host.readFile.bind(host);
  host.readFile = (name) => (name === file ? code : read(name));
  const exists = host.fileExists.bind(host);
  host.fileExists = (name) => name === file || exists(name);
  const program = ts.createProgram(
    [file],
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      strict: true,
      exactOptionalPropertyTypes: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
    },
    host,
  );
  const source = program.getSourceFile(file)!;
  return ts.getPreEmitDiagnostics(program, source).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('factpulse-rx/angular option types under exactOptionalPropertyTypes', () => {
  it('take undefined for every optional field they declare', () => {
    const problems = problemsOf(`
      import type { HttpContext } from '@angular/common/http';
      import type { Injector, Signal } from '@angular/core';
      import type { TokenSource } from '../../../lib/index.js';
      import { provideFactPulseTasks, taskStatus, createHttpClientTransport, type FactPulseTasksOptions, type TaskStatusSignalOptions, type HttpClientTransportOptions } from '../../../lib/adapters/angular/index.js';

      declare const maybe: { url?: string; token?: TokenSource; cookies?: boolean; context?: () => HttpContext; injector?: Injector };
      const options: FactPulseTasksOptions = { baseUrl: maybe.url, token: maybe.token, withCredentials: maybe.cookies, context: maybe.context };
      provideFactPulseTasks(options);
      provideFactPulseTasks(() => ({ baseUrl: maybe.url, token: maybe.token }));
      const transport: HttpClientTransportOptions = { withCredentials: maybe.cookies, context: maybe.context };
      declare const http: Parameters<typeof createHttpClientTransport>[0];
      createHttpClientTransport(http, transport);
      const signalOptions: TaskStatusSignalOptions = { injector: maybe.injector };
      declare const id: Signal<string>;
      taskStatus(id, signalOptions);
    `);
    expect(problems).toEqual([]);
  });

  it('still reject a value of the wrong type (the check is not vacuous)', () => {
    const problems = problemsOf(`
      import { provideFactPulseTasks } from '../../../lib/adapters/angular/index.js';
      provideFactPulseTasks({ withCredentials: 'yes' });
    `);
    expect(problems.join('\n')).toMatch(/withCredentials|'string' is not assignable to type 'boolean/);
  });
});

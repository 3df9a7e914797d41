/**
 * Angular's test environment for spec/adapters/angular (jest's `setupFilesAfterEnv`): the JIT
 * compiler (Angular's packages ship partially compiled, the spec components are compiled at run
 * time) and TestBed on the browser testing platform, zoneless.
 */
import '@angular/compiler';
import { getTestBed } from '@angular/core/testing';
import { BrowserTestingModule, platformBrowserTesting } from '@angular/platform-browser/testing';

getTestBed().initTestEnvironment(BrowserTestingModule, platformBrowserTesting(), {
  teardown: { destroyAfterEach: true },
});

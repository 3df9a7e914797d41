import { provideBrowserGlobalErrorListeners, provideZonelessChangeDetection, inject, type ApplicationConfig } from '@angular/core';
import { HttpClient, provideHttpClient, withFetch } from '@angular/common/http';
import { firstValueFrom, map } from 'rxjs';
import type { TokenSource } from 'factpulse-rx';
import { provideFactPulseTasks } from 'factpulse-rx/angular';

/**
 * A token for the local simulator (`npx factpulse-rx simulate`, user demo/demo), fetched through
 * the dev-server proxy and fetched again after a 401. For trials only: in production keep the
 * credentials on your server — a proxy that adds the token, or an interceptor with your own
 * session — and pass no `token` at all.
 *
 * Called in an injection context (the options factory below), so it may `inject()`.
 */
function simulatorToken(): TokenSource {
  const http = inject(HttpClient);
  let access: Promise<string> | undefined;
  return ({ refresh }) => {
    if (refresh || access === undefined) {
      access = firstValueFrom(
        http.post<{ access: string }>('/factpulse/api/token/', { username: 'demo', password: 'demo' }).pipe(map((r) => r.access)),
      ).catch((error: unknown) => {
        access = undefined;
        throw error;
      });
    }
    return access;
  };
}

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideZonelessChangeDetection(),
    provideHttpClient(withFetch()),
    // '/factpulse' is proxied to the simulator by proxy.conf.json (same origin: no CORS to set up).
    provideFactPulseTasks(() => ({ baseUrl: '/factpulse', interval: 1000, token: simulatorToken() })),
  ],
};

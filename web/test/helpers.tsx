// Shared test fixtures: a routed fetch mock, a signed-in session and a
// render helper that wraps the app's providers around a component.
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import { vi } from 'vitest';
import type { User } from '../src/api/types';
import { AuthProvider } from '../src/auth/AuthContext';
import { saveSession } from '../src/auth/session';
import { ToastProvider } from '../src/components/Toasts';
import { SocketContext } from '../src/realtime/SocketContext';
import { FakeSocket } from './fakeSocket';

export const CLIENT: User = {
  id: '11111111-1111-4111-8111-111111111111',
  username: 'alice',
  email: 'alice@example.com',
  role: 'client',
  timezone: 'Europe/Berlin',
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z',
};

export const ADMIN: User = {
  ...CLIENT,
  id: '22222222-2222-4222-8222-222222222222',
  username: 'root',
  email: 'root@example.com',
  role: 'admin',
};

export interface RecordedRequest {
  method: string;
  url: URL;
  body: unknown;
}

export type RouteHandler = (request: RecordedRequest) => Response | Promise<Response>;

// AuthProvider re-reads the signed-in user on mount. By default that request
// never settles, so it cannot update state after a test ends. A test that
// checks the refresh passes its own 'GET /api/auth/me' route.
const defaultRoutes: Record<string, RouteHandler> = {
  'GET /api/auth/me': () => new Promise<Response>(() => {}),
};

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export function problem(status: number, body: Record<string, unknown>): Response {
  return new Response(JSON.stringify({ type: 'about:blank', status, ...body }), {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
  });
}

/**
 * Replaces global fetch with a router keyed by "METHOD /path" (query
 * ignored). Unknown routes return 404, and every request is recorded.
 */
export function mockFetch(routes: Record<string, RouteHandler>): RecordedRequest[] {
  const requests: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://dms.test');
    const method = (init?.method ?? 'GET').toUpperCase();
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const recorded = { method, url, body };
    requests.push(recorded);
    const handler = routes[`${method} ${url.pathname}`] ?? defaultRoutes[`${method} ${url.pathname}`];
    if (!handler) return problem(404, { title: 'Not Found', detail: `No mock for ${method} ${url.pathname}` });
    return handler(recorded);
  });
  vi.stubGlobal('fetch', fetchMock);
  return requests;
}

export function signInAs(user: User): void {
  saveSession({ token: 'test-token', expiresAt: Date.now() + 3_600_000, user });
}

interface RenderOptions {
  user?: User | null;
  socket?: FakeSocket;
  path?: string;
  route?: string;
}

/** Renders `ui` at `route` (default "/") inside the router, auth, toast and socket providers. */
export function renderWithApp(ui: ReactElement, options: RenderOptions = {}): RenderResult & { socket: FakeSocket } {
  const { user = CLIENT, socket = new FakeSocket(), path = '/', route = '/' } = options;
  if (user) signInAs(user);
  const result = render(
    <MemoryRouter initialEntries={[route]}>
      <AuthProvider>
        <ToastProvider>
          <SocketContext.Provider value={{ socket, status: 'connected' }}>
            <Routes>
              <Route path={path} element={ui} />
              <Route path="*" element={<p data-testid="other-route">Other route</p>} />
            </Routes>
          </SocketContext.Provider>
        </ToastProvider>
      </AuthProvider>
    </MemoryRouter>,
  );
  return { ...result, socket };
}

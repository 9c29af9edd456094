import { act, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router-dom';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppRoutes } from '../src/App';
import { AuthProvider } from '../src/auth/AuthContext';
import { loadSession, saveSession, sessionFromToken } from '../src/auth/session';
import { ToastProvider } from '../src/components/Toasts';
import { SocketContext } from '../src/realtime/SocketContext';
import { FakeSocket } from './fakeSocket';
import { ADMIN, CLIENT, json, mockFetch, problem, signInAs } from './helpers';

function renderApp(route: string) {
  return render(
    <MemoryRouter initialEntries={[route]}>
      <AuthProvider>
        <ToastProvider>
          <SocketContext.Provider value={{ socket: new FakeSocket(), status: 'connected' }}>
            <AppRoutes />
          </SocketContext.Provider>
        </ToastProvider>
      </AuthProvider>
    </MemoryRouter>,
  );
}

afterEach(() => {
  vi.useRealTimers();
});

describe('session', () => {
  it('sends signed-out users to sign-in', async () => {
    mockFetch({});
    renderApp('/alerts');

    expect(await screen.findByTestId('sign-in-form')).toBeInTheDocument();
  });

  it('signs out on a 401 response', async () => {
    signInAs(CLIENT);
    mockFetch({
      'GET /api/devices': () => problem(401, { title: 'Unauthorized', detail: 'The token has expired.' }),
      'GET /api/consumption': () => problem(401, { title: 'Unauthorized', detail: 'The token has expired.' }),
    });
    renderApp('/devices');

    expect(await screen.findByTestId('sign-in-form')).toBeInTheDocument();
    expect(screen.getByTestId('session-expired')).toHaveTextContent('Your session has expired.');
    expect(loadSession()).toBeNull();
  });

  it('signs out when expires_in runs out', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    saveSession(sessionFromToken({ access_token: 't', token_type: 'Bearer', expires_in: 60, user: ADMIN }));
    mockFetch({ 'GET /api/users/me': () => new Promise<Response>(() => {}) });
    renderApp('/profile');
    expect(await screen.findByTestId('nav-users')).toBeInTheDocument();

    await act(async () => {
      vi.advanceTimersByTime(61_000);
    });

    expect(screen.getByTestId('sign-in-form')).toBeInTheDocument();
    expect(screen.getByTestId('session-expired')).toBeInTheDocument();
  });

  it('ignores a stored session that has expired', () => {
    saveSession({ token: 't', expiresAt: Date.now() - 1, user: CLIENT });

    expect(loadSession()).toBeNull();
  });

  it('shows navigation by role', async () => {
    signInAs(CLIENT);
    mockFetch({ 'GET /api/users/me': () => json(CLIENT) });
    renderApp('/profile');

    expect(await screen.findByTestId('nav-support')).toBeInTheDocument();
    expect(screen.queryByTestId('nav-users')).not.toBeInTheDocument();
    expect(screen.queryByTestId('nav-inbox')).not.toBeInTheDocument();
  });

  it('keeps clients out of admin pages', async () => {
    signInAs(CLIENT);
    mockFetch({ 'GET /api/devices': () => new Promise<Response>(() => {}), 'GET /api/consumption': () => new Promise<Response>(() => {}) });
    renderApp('/users');

    expect(await screen.findByRole('heading', { name: 'My devices' })).toBeInTheDocument();
  });

  it('signs out with the button', async () => {
    signInAs(CLIENT);
    mockFetch({ 'GET /api/users/me': () => json(CLIENT) });
    renderApp('/profile');

    await userEvent.setup().click(await screen.findByTestId('sign-out'));

    expect(screen.getByTestId('sign-in-form')).toBeInTheDocument();
    expect(screen.queryByTestId('session-expired')).not.toBeInTheDocument();
    expect(loadSession()).toBeNull();
  });
});

import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ChatSession } from '../src/api/types';
import { InboxPage } from '../src/features/chat/InboxPage';
import { ADMIN, CLIENT, json, mockFetch, renderWithApp } from './helpers';

const WAITING: ChatSession = {
  id: 'session-1',
  client_id: CLIENT.id,
  admin_id: null,
  status: 'open',
  needs_human: true,
  created_at: '2025-03-10T09:00:00Z',
  last_activity_at: '2025-03-10T09:05:00Z',
  unread: 3,
};

const QUIET: ChatSession = { ...WAITING, id: 'session-2', needs_human: false, unread: 0, last_activity_at: '2025-03-10T08:00:00Z' };

function renderInbox(route = '/inbox') {
  const requests = mockFetch({
    'GET /api/chat/sessions': () => json([QUIET, WAITING]),
    [`GET /api/users/${CLIENT.id}`]: () => json(CLIENT),
    'GET /api/chat/sessions/session-1/messages': () => json({ items: [], next_cursor: null }),
    'PUT /api/chat/sessions/session-1/admin': () => json({ ...WAITING, admin_id: ADMIN.id, needs_human: false }),
  });
  const view = renderWithApp(<InboxPage />, { user: ADMIN, path: '/inbox/:sessionId?', route });
  return { ...view, requests };
}

describe('InboxPage', () => {
  it('lists sessions with unread counts and needs-human flags', async () => {
    renderInbox();

    const items = await screen.findAllByTestId('session-item');
    expect(items.map((item) => item.getAttribute('data-session-id'))).toEqual(['session-1', 'session-2']);
    expect(within(items[0]).getByTestId('unread-count')).toHaveAttribute('data-unread', '3');
    expect(within(items[0]).getByTestId('needs-human')).toHaveTextContent('Needs a person');
    expect(within(items[1]).queryByTestId('unread-count')).not.toBeInTheDocument();
    expect(within(items[1]).queryByTestId('needs-human')).not.toBeInTheDocument();
    await waitFor(() => expect(items[0]).toHaveTextContent('alice'));
  });

  it('counts live messages for other sessions', async () => {
    const { socket } = renderInbox();
    await screen.findAllByTestId('session-item');

    act(() =>
      socket.serverEmit('new_message', {
        id: 'm9',
        session_id: 'session-2',
        sender_id: CLIENT.id,
        sender_kind: 'client',
        body: 'Hello?',
        created_at: '2025-03-10T10:00:00Z',
        read_at: null,
      }),
    );

    const items = screen.getAllByTestId('session-item');
    expect(items[0]).toHaveAttribute('data-session-id', 'session-2');
    expect(within(items[0]).getByTestId('unread-count')).toHaveAttribute('data-unread', '1');
  });

  it('takes over a session', async () => {
    const { requests } = renderInbox('/inbox/session-1');

    await userEvent.setup().click(await screen.findByTestId('take-over'));

    expect(requests.some((request) => request.method === 'PUT' && request.url.pathname === '/api/chat/sessions/session-1/admin')).toBe(true);
    await waitFor(() => expect(screen.queryByTestId('take-over')).not.toBeInTheDocument());
    expect(within(screen.getByTestId('session-list')).getByText(/Assigned to you/)).toBeInTheDocument();
  });
});

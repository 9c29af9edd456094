import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatSession, SenderKind } from '../src/api/types';
import { SupportPage } from '../src/features/chat/SupportPage';
import { FakeSocket } from './fakeSocket';
import { ADMIN, CLIENT, json, mockFetch, renderWithApp } from './helpers';

const SESSION: ChatSession = {
  id: 'session-1',
  client_id: CLIENT.id,
  admin_id: ADMIN.id,
  status: 'open',
  needs_human: false,
  created_at: '2025-03-10T09:00:00Z',
  last_activity_at: '2025-03-10T09:05:00Z',
  unread: 0,
};

function message(id: string, kind: SenderKind, body: string, minute: number, senderId: string | null): ChatMessage {
  return {
    id,
    session_id: SESSION.id,
    sender_id: senderId,
    sender_kind: kind,
    body,
    created_at: `2025-03-10T09:${String(minute).padStart(2, '0')}:00Z`,
    read_at: null,
  };
}

const HISTORY: ChatMessage[] = [
  message('m1', 'client', 'My meter shows too much.', 1, CLIENT.id),
  message('m2', 'bot', 'Let me look at your devices.', 2, null),
  message('m3', 'ai', 'Your heater ran all night.', 3, null),
  message('m4', 'system', 'An administrator joined.', 4, null),
  message('m5', 'admin', 'I can help with that.', 5, ADMIN.id),
];

function renderSupport(history: ChatMessage[] = HISTORY) {
  const requests = mockFetch({
    'GET /api/chat/sessions': () => json([SESSION]),
    'GET /api/admins': () => json([{ id: ADMIN.id, username: ADMIN.username }]),
    // The server may page newest first, so send the history reversed.
    'GET /api/chat/sessions/session-1/messages': () => json({ items: [...history].reverse(), next_cursor: null }),
  });
  const socket = new FakeSocket();
  const view = renderWithApp(<SupportPage />, { socket, path: '/support', route: '/support?session=session-1' });
  return { ...view, requests };
}

async function messageItems(): Promise<HTMLElement[]> {
  await screen.findByText('I can help with that.');
  return screen.getAllByTestId('chat-message');
}

describe('chat view', () => {
  it('labels messages by sender kind', async () => {
    renderSupport();

    const items = await messageItems();
    const labels = items.map((item) => within(item).getByTestId('sender-label').textContent);
    expect(labels).toEqual(['You', 'Bot', 'AI', 'System', 'Admin']);
    expect(items.map((item) => item.getAttribute('data-sender-kind'))).toEqual(['client', 'bot', 'ai', 'system', 'admin']);
  });

  it('joins the room and marks messages read', async () => {
    const { socket } = renderSupport();
    await messageItems();

    expect(socket.emittedOf('join_chat')).toContainEqual({ session_id: 'session-1' });
    await waitFor(() => expect(socket.emittedOf('mark_read')).toContainEqual({ session_id: 'session-1', up_to_message_id: 'm5' }));
  });

  it('shows and hides the typing indicator', async () => {
    const { socket } = renderSupport();
    await messageItems();
    expect(screen.queryByTestId('typing-indicator')).not.toBeInTheDocument();

    act(() => socket.serverEmit('typing_started', { session_id: 'session-1', user_id: ADMIN.id }));
    expect(screen.getByTestId('typing-indicator')).toHaveTextContent('root is typing…');

    act(() => socket.serverEmit('typing_stopped', { session_id: 'session-1', user_id: ADMIN.id }));
    expect(screen.queryByTestId('typing-indicator')).not.toBeInTheDocument();
  });

  it('ignores typing from other sessions and from itself', async () => {
    const { socket } = renderSupport();
    await messageItems();

    act(() => socket.serverEmit('typing_started', { session_id: 'session-2', user_id: ADMIN.id }));
    act(() => socket.serverEmit('typing_started', { session_id: 'session-1', user_id: CLIENT.id }));
    expect(screen.queryByTestId('typing-indicator')).not.toBeInTheDocument();
  });

  it('turns the read tick on a read receipt', async () => {
    const { socket } = renderSupport();
    const items = await messageItems();
    const tick = within(items[0]).getByTestId('read-tick');
    expect(tick).toHaveAttribute('data-read', 'false');
    expect(tick).toHaveAccessibleName('Sent');
    // Only the signed-in user's messages carry ticks.
    expect(screen.getAllByTestId('read-tick')).toHaveLength(1);

    act(() =>
      socket.serverEmit('messages_read', {
        session_id: 'session-1',
        reader_id: ADMIN.id,
        up_to_message_id: 'm1',
        read_at: '2025-03-10T09:06:00Z',
      }),
    );

    const readTick = within(screen.getAllByTestId('chat-message')[0]).getByTestId('read-tick');
    expect(readTick).toHaveAttribute('data-read', 'true');
    expect(readTick).toHaveAccessibleName('Read');
  });

  it('sends with a client_msg_id and shows the stored message', async () => {
    const { socket } = renderSupport();
    await messageItems();
    socket.ackWith('send_message', (payload) => {
      const { body } = payload as { body: string };
      return { ok: true, message: message('m6', 'client', body, 7, CLIENT.id) };
    });
    const user = userEvent.setup();

    await user.type(screen.getByTestId('chat-input'), 'Thanks!');
    expect(socket.emittedOf('typing_start')).toEqual([{ session_id: 'session-1' }]);
    await user.click(screen.getByTestId('chat-send'));

    const sent = socket.emittedOf('send_message') as { session_id: string; body: string; client_msg_id: string }[];
    expect(sent).toHaveLength(1);
    expect(sent[0].body).toBe('Thanks!');
    expect(sent[0].client_msg_id).toMatch(/\S{8,}/);
    expect(socket.emittedOf('typing_stop')).toEqual([{ session_id: 'session-1' }]);
    await waitFor(() => expect(screen.getAllByTestId('chat-message')).toHaveLength(6));
    expect(screen.getAllByTestId('chat-message')[5]).toHaveAttribute('data-message-id', 'm6');
    expect(screen.getByTestId('chat-input')).toHaveValue('');
  });

  it('appends live messages once', async () => {
    const { socket } = renderSupport();
    await messageItems();
    const live = message('m7', 'admin', 'Fixed it.', 8, ADMIN.id);

    act(() => socket.serverEmit('new_message', live));
    act(() => socket.serverEmit('new_message', live));

    expect(screen.getAllByText('Fixed it.')).toHaveLength(1);
  });

  it('shows the empty state without messages', async () => {
    renderSupport([]);

    expect(await screen.findByText(/No messages yet/)).toBeInTheDocument();
  });
});

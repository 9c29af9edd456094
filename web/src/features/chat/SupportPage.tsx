// A client's support chat: start a conversation with a chosen administrator
// or the first one available, and talk to the bot, the AI or a person.
import { useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router-dom';
import { errorMessage } from '../../api/client';
import { closeChatSession, createChatSession, listAdmins, listChatSessions } from '../../api/endpoints';
import type { AdminSummary, ChatMessage, ChatSession } from '../../api/types';
import { useCurrentUser } from '../../auth/AuthContext';
import { ConfirmDialog } from '../../components/Dialog';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { useSocketEvent } from '../../realtime/SocketContext';
import { formatDateTime } from '../../util/time';
import { useAsync } from '../../util/useAsync';
import { ChatView } from './ChatView';
import { isChatSession, sortSessions, upsertSession } from './sessions';
import { useChat } from './useChat';

export function SupportPage() {
  const me = useCurrentUser();
  const [params, setParams] = useSearchParams();
  const selectedId = params.get('session');
  const sessions = useAsync(async (signal) => sortSessions(await listChatSessions({}, signal)), []);
  const admins = useAsync((signal) => listAdmins(signal), []);

  useSocketEvent<ChatSession>('session_updated', (session) => {
    if (isChatSession(session) && session.client_id === me.id) sessions.setData((current) => upsertSession(current ?? [], session));
  });
  useSocketEvent<ChatMessage>('new_message', (message) => {
    if (!message?.session_id || message.session_id === selectedId || message.sender_id === me.id) return;
    sessions.setData((current) =>
      current?.map((session) =>
        session.id === message.session_id ? { ...session, unread: session.unread + 1, last_activity_at: message.created_at } : session,
      ),
    );
  });

  function select(sessionId: string) {
    setParams({ session: sessionId });
    sessions.setData((current) => current?.map((session) => (session.id === sessionId ? { ...session, unread: 0 } : session)));
  }

  const selected = sessions.data?.find((session) => session.id === selectedId) ?? null;
  const adminNames = Object.fromEntries((admins.data ?? []).map((admin) => [admin.id, admin.username]));

  return (
    <section className="page chat-page" aria-labelledby="support-title">
      <h1 id="support-title">Support</h1>
      <div className="chat-layout">
        <aside className="chat-sidebar" aria-label="Conversations">
          <NewConversationForm
            admins={admins.data ?? []}
            adminsError={admins.error}
            onCreated={(session) => {
              sessions.setData((current) => upsertSession(current ?? [], session));
              select(session.id);
            }}
          />
          <h2>Conversations</h2>
          {sessions.error ? (
            <ErrorState error={sessions.error} onRetry={sessions.reload} />
          ) : !sessions.data ? (
            <Loading label="Loading conversations…" />
          ) : sessions.data.length === 0 ? (
            <EmptyState>No conversations yet. Start one above.</EmptyState>
          ) : (
            <ul className="session-list">
              {sessions.data.map((session) => (
                <li key={session.id}>
                  <button
                    type="button"
                    className={session.id === selectedId ? 'session-item selected' : 'session-item'}
                    aria-current={session.id === selectedId ? 'true' : undefined}
                    onClick={() => select(session.id)}
                    data-testid="session-item"
                    data-session-id={session.id}
                  >
                    <span>
                      {session.admin_id ? `With ${adminNames[session.admin_id] ?? 'an administrator'}` : 'Support'}
                      {session.status === 'closed' && <small className="muted"> (closed)</small>}
                    </span>
                    <small className="muted">{formatDateTime(session.last_activity_at)}</small>
                    {session.unread > 0 && session.id !== selectedId && (
                      <span className="badge badge-info" data-testid="unread-count">
                        {session.unread} <span className="visually-hidden">unread</span>
                      </span>
                    )}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </aside>
        <div className="chat-main">
          {selected ? (
            <ClientChat
              key={selected.id}
              session={selected}
              adminName={selected.admin_id ? adminNames[selected.admin_id] : undefined}
              onSessionChange={(session) => sessions.setData((current) => upsertSession(current ?? [], session))}
            />
          ) : (
            <EmptyState>Choose a conversation, or start a new one.</EmptyState>
          )}
        </div>
      </div>
    </section>
  );
}

function NewConversationForm({
  admins,
  adminsError,
  onCreated,
}: {
  admins: AdminSummary[];
  adminsError: unknown;
  onCreated: (session: ChatSession) => void;
}) {
  const [adminId, setAdminId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await createChatSession(adminId || null));
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card new-chat" onSubmit={submit} data-testid="new-chat-form">
      <label className="field">
        <span>Talk to</span>
        <select value={adminId} onChange={(event) => setAdminId(event.target.value)} data-testid="admin-select">
          <option value="">First available</option>
          {admins.map((admin) => (
            <option key={admin.id} value={admin.id}>
              {admin.username}
            </option>
          ))}
        </select>
      </label>
      {adminsError ? <small className="field-error">Could not load the administrators: {errorMessage(adminsError)}</small> : null}
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="button" disabled={busy} data-testid="start-chat">
        {busy ? 'Starting…' : 'Start a conversation'}
      </button>
    </form>
  );
}

interface ClientChatProps {
  session: ChatSession;
  adminName: string | undefined;
  onSessionChange: (session: ChatSession) => void;
}

function ClientChat({ session, adminName, onSessionChange }: ClientChatProps) {
  const me = useCurrentUser();
  const chat = useChat(session.id, me.id);
  const [draft, setDraft] = useState('');
  const [confirmClose, setConfirmClose] = useState(false);
  const closed = session.status === 'closed';

  return (
    <div className="chat-panel">
      <div className="chat-header">
        <div>
          <h2>{adminName ? `Conversation with ${adminName}` : 'Conversation with support'}</h2>
          {session.needs_human && !closed && (
            <p className="badge badge-warning" data-testid="needs-human">
              Waiting for a support agent
            </p>
          )}
        </div>
        {!closed && (
          <button type="button" className="button secondary small" onClick={() => setConfirmClose(true)} data-testid="close-chat">
            Close conversation
          </button>
        )}
      </div>
      <ChatView chat={chat} myId={me.id} peerLabel={adminName ?? 'Support'} draft={draft} onDraftChange={setDraft} closed={closed} />
      {confirmClose && (
        <ConfirmDialog
          title="Close this conversation?"
          message={<p>You can start a new one at any time.</p>}
          confirmLabel="Close conversation"
          onClose={() => setConfirmClose(false)}
          onConfirm={async () => {
            onSessionChange(await closeChatSession(session.id));
            setConfirmClose(false);
          }}
        />
      )}
    </div>
  );
}

// Administrators' support inbox: every session with its unread count and
// needs-human flag, taking a session over, and chatting with AI help.
import { useEffect, useState } from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { errorMessage } from '../../api/client';
import { closeChatSession, listChatSessions, requestChatSuggestion, takeOverChatSession } from '../../api/endpoints';
import type { ChatMessage, ChatSession } from '../../api/types';
import { useCurrentUser } from '../../auth/AuthContext';
import { ConfirmDialog } from '../../components/Dialog';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { useToast } from '../../components/Toasts';
import { useSocketEvent } from '../../realtime/SocketContext';
import { formatDateTime } from '../../util/time';
import { useAsync } from '../../util/useAsync';
import { useUserNames } from '../users/useUserNames';
import { ChatView } from './ChatView';
import { isChatSession, sortSessions, upsertSession } from './sessions';
import { useChat } from './useChat';

// Socket events keep the list current; this catches anything a dropped connection missed.
const INBOX_REFRESH_MS = 30_000;

type StatusFilter = 'open' | 'closed';

export function InboxPage() {
  const me = useCurrentUser();
  const { sessionId } = useParams();
  const navigate = useNavigate();
  const [status, setStatus] = useState<StatusFilter>('open');
  const [needsHumanOnly, setNeedsHumanOnly] = useState(false);

  const sessions = useAsync(
    async (signal) => sortSessions(await listChatSessions({ status, needs_human: needsHumanOnly || undefined }, signal)),
    [status, needsHumanOnly],
  );
  const clientNames = useUserNames(sessions.data?.map((session) => session.client_id) ?? []);
  const adminNames = useUserNames(sessions.data?.map((session) => session.admin_id) ?? []);

  const { reload } = sessions;
  useEffect(() => {
    const timer = window.setInterval(reload, INBOX_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);

  useSocketEvent<ChatSession>('session_updated', (session) => {
    if (!isChatSession(session)) return;
    const matches = session.status === status && (!needsHumanOnly || session.needs_human);
    sessions.setData((current) =>
      matches ? upsertSession(current ?? [], session) : current?.filter((known) => known.id !== session.id),
    );
  });
  useSocketEvent<ChatMessage>('new_message', (message) => {
    if (!message?.session_id || message.session_id === sessionId || message.sender_id === me.id) return;
    sessions.setData((current) =>
      sortSessions(
        (current ?? []).map((session) =>
          session.id === message.session_id ? { ...session, unread: session.unread + 1, last_activity_at: message.created_at } : session,
        ),
      ),
    );
  });

  function open(id: string) {
    navigate(`/inbox/${id}`);
    sessions.setData((current) => current?.map((session) => (session.id === id ? { ...session, unread: 0 } : session)));
  }

  const selected = sessions.data?.find((session) => session.id === sessionId) ?? null;

  return (
    <section className="page chat-page" aria-labelledby="inbox-title">
      <h1 id="inbox-title">Support inbox</h1>
      <div className="chat-layout">
        <aside className="chat-sidebar" aria-label="Sessions">
          <div className="toolbar filters">
            <label className="inline-field">
              Status
              <select value={status} onChange={(event) => setStatus(event.target.value as StatusFilter)} data-testid="inbox-status">
                <option value="open">Open</option>
                <option value="closed">Closed</option>
              </select>
            </label>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={needsHumanOnly}
                onChange={(event) => setNeedsHumanOnly(event.target.checked)}
                data-testid="inbox-needs-human"
              />
              Needs a person only
            </label>
          </div>
          {sessions.error ? (
            <ErrorState error={sessions.error} onRetry={sessions.reload} />
          ) : !sessions.data ? (
            <Loading label="Loading sessions…" />
          ) : sessions.data.length === 0 ? (
            <EmptyState>No {status} sessions{needsHumanOnly ? ' waiting for a person' : ''}.</EmptyState>
          ) : (
            <ul className="session-list" data-testid="session-list">
              {sessions.data.map((session) => (
                <li key={session.id}>
                  <button
                    type="button"
                    className={session.id === sessionId ? 'session-item selected' : 'session-item'}
                    aria-current={session.id === sessionId ? 'true' : undefined}
                    onClick={() => open(session.id)}
                    data-testid="session-item"
                    data-session-id={session.id}
                  >
                    <span>{clientNames[session.client_id] ?? '…'}</span>
                    <small className="muted">
                      {session.admin_id
                        ? session.admin_id === me.id
                          ? 'Assigned to you'
                          : `Assigned to ${adminNames[session.admin_id] ?? '…'}`
                        : 'Not assigned'}{' '}
                      · {formatDateTime(session.last_activity_at)}
                    </small>
                    <span className="session-badges">
                      {session.needs_human && (
                        <span className="badge badge-warning" data-testid="needs-human">
                          Needs a person
                        </span>
                      )}
                      {session.unread > 0 && session.id !== sessionId && (
                        <span className="badge badge-info" data-testid="unread-count" data-unread={session.unread}>
                          {session.unread} <span className="visually-hidden">unread</span>
                        </span>
                      )}
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </aside>
        <div className="chat-main">
          {selected ? (
            <AdminChat
              key={selected.id}
              session={selected}
              clientName={clientNames[selected.client_id] ?? 'the client'}
              onSessionChange={(session) => sessions.setData((current) => upsertSession(current ?? [], session))}
            />
          ) : sessionId && sessions.data ? (
            <EmptyState>This session is not in the list. Change the filters to find it.</EmptyState>
          ) : (
            <EmptyState>Choose a session.</EmptyState>
          )}
        </div>
      </div>
    </section>
  );
}

interface AdminChatProps {
  session: ChatSession;
  clientName: string;
  onSessionChange: (session: ChatSession) => void;
}

function AdminChat({ session, clientName, onSessionChange }: AdminChatProps) {
  const me = useCurrentUser();
  const { showToast } = useToast();
  const chat = useChat(session.id, me.id);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState<'take-over' | 'suggest' | null>(null);
  const [confirmClose, setConfirmClose] = useState(false);
  const closed = session.status === 'closed';
  const mine = session.admin_id === me.id;

  async function takeOver() {
    setBusy('take-over');
    try {
      onSessionChange(await takeOverChatSession(session.id));
    } catch (error) {
      showToast({ kind: 'error', title: 'Could not take over the session', body: errorMessage(error) });
    } finally {
      setBusy(null);
    }
  }

  async function suggest() {
    setBusy('suggest');
    try {
      const { suggestion } = await requestChatSuggestion(session.id);
      setDraft(suggestion);
    } catch (error) {
      showToast({ kind: 'error', title: 'No suggestion available', body: errorMessage(error) });
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="chat-panel">
      <div className="chat-header">
        <div>
          <h2>Conversation with {clientName}</h2>
          {session.needs_human && !closed && (
            <p className="badge badge-warning" data-testid="needs-human">
              The client is waiting for a person
            </p>
          )}
        </div>
        <div className="row-actions">
          {!closed && !mine && (
            <button type="button" className="button small" onClick={() => void takeOver()} disabled={busy !== null} data-testid="take-over">
              {busy === 'take-over' ? 'Taking over…' : 'Take over'}
            </button>
          )}
          {!closed && (
            <button type="button" className="button secondary small" onClick={() => setConfirmClose(true)} data-testid="close-chat">
              Close
            </button>
          )}
        </div>
      </div>
      <ChatView
        chat={chat}
        myId={me.id}
        peerLabel={clientName}
        draft={draft}
        onDraftChange={setDraft}
        closed={closed}
        composerActions={
          <button type="button" className="button secondary" onClick={() => void suggest()} disabled={busy !== null} data-testid="suggest-reply">
            {busy === 'suggest' ? 'Asking the AI…' : 'Suggest a reply'}
          </button>
        }
      />
      {confirmClose && (
        <ConfirmDialog
          title="Close this session?"
          message={<p>The client can start a new conversation at any time.</p>}
          confirmLabel="Close session"
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

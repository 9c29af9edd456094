// Message log and composer of one chat session. Each message is labelled by
// its sender kind; the signed-in user's messages carry read ticks.
import { useEffect, useId, useLayoutEffect, useRef, type FormEvent, type KeyboardEvent, type ReactNode } from 'react';
import type { ChatMessage } from '../../api/types';
import { ErrorState, Loading } from '../../components/States';
import { formatTime } from '../../util/time';
import { SENDER_LABELS } from './messages';
import type { ChatState } from './useChat';

// Within this many pixels of the bottom, a new message scrolls the log down.
const STICK_TO_BOTTOM_PX = 80;
const MAX_MESSAGE_LENGTH = 4_000;

interface ChatViewProps {
  chat: ChatState;
  myId: string;
  /** Name shown in the typing indicator, such as "Support" or a username. */
  peerLabel: string;
  draft: string;
  onDraftChange: (draft: string) => void;
  closed?: boolean;
  /** Buttons shown beside Send, such as an AI suggestion. */
  composerActions?: ReactNode;
}

export function ChatView({ chat, myId, peerLabel, draft, onDraftChange, closed = false, composerActions }: ChatViewProps) {
  const logRef = useRef<HTMLOListElement>(null);
  const stickRef = useRef(true);
  const composerId = useId();

  useLayoutEffect(() => {
    const log = logRef.current;
    if (log && stickRef.current) log.scrollTop = log.scrollHeight;
  }, [chat.messages.length, chat.pending.length, chat.peerTyping]);

  useEffect(() => {
    stickRef.current = true;
  }, [chat.loading]);

  function onScroll() {
    const log = logRef.current;
    if (log) stickRef.current = log.scrollHeight - log.scrollTop - log.clientHeight < STICK_TO_BOTTOM_PX;
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (!draft.trim() || closed) return;
    stickRef.current = true;
    chat.send(draft);
    onDraftChange('');
  }

  function onComposerKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter sends, Shift+Enter starts a new line, as in most chat apps.
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      submit(event);
    }
  }

  if (chat.error && chat.messages.length === 0) return <ErrorState error={chat.error} onRetry={chat.reload} />;

  return (
    <div className="chat" data-testid="chat-view">
      {chat.hasOlder && (
        <button type="button" className="button secondary small" onClick={chat.loadOlder} disabled={chat.loadingOlder} data-testid="load-older">
          {chat.loadingOlder ? 'Loading…' : 'Load earlier messages'}
        </button>
      )}
      {chat.loading ? (
        <Loading label="Loading messages…" />
      ) : (
        <ol className="chat-log" ref={logRef} onScroll={onScroll} role="log" aria-live="polite" aria-label="Messages" tabIndex={0}>
          {chat.messages.length === 0 && chat.pending.length === 0 && (
            <li className="chat-empty" data-testid="empty-state">
              No messages yet. Write the first one below.
            </li>
          )}
          {chat.messages.map((message) => (
            <MessageItem key={message.id} message={message} mine={message.sender_id === myId} />
          ))}
          {chat.pending.map((item) => (
            <li key={item.clientMsgId} className="chat-message mine pending" data-testid="chat-message" data-pending="true">
              <div className="chat-meta">
                <span className="sender-label" data-testid="sender-label">
                  You
                </span>
              </div>
              <p className="chat-body">{item.body}</p>
              <div className="chat-status">
                {item.status === 'sending' ? (
                  <span className="read-tick" data-testid="read-tick" data-read="false" data-state="sending" aria-label="Sending">
                    ○
                  </span>
                ) : (
                  <>
                    <span className="field-error">Not sent.</span>{' '}
                    <button type="button" className="link-button" onClick={() => chat.retry(item.clientMsgId)}>
                      Retry
                    </button>
                  </>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
      <p className="typing-indicator" aria-live="polite">
        {chat.peerTyping && <span data-testid="typing-indicator">{peerLabel} is typing…</span>}
      </p>
      {closed ? (
        <p className="notice" data-testid="chat-closed">
          This conversation is closed.
        </p>
      ) : (
        <form className="chat-composer" onSubmit={submit}>
          <label htmlFor={composerId} className="visually-hidden">
            Message
          </label>
          <textarea
            id={composerId}
            rows={2}
            maxLength={MAX_MESSAGE_LENGTH}
            value={draft}
            placeholder="Write a message. Enter sends, Shift+Enter adds a line."
            onChange={(event) => {
              onDraftChange(event.target.value);
              if (event.target.value) chat.noteTyping();
              else chat.stopTyping();
            }}
            onBlur={chat.stopTyping}
            onKeyDown={onComposerKeyDown}
            data-testid="chat-input"
          />
          <div className="chat-composer-actions">
            {composerActions}
            <button type="submit" className="button" disabled={!draft.trim()} data-testid="chat-send">
              Send
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function MessageItem({ message, mine }: { message: ChatMessage; mine: boolean }) {
  const label = mine ? 'You' : SENDER_LABELS[message.sender_kind] ?? message.sender_kind;
  const read = message.read_at !== null;
  return (
    <li
      className={`chat-message kind-${message.sender_kind}${mine ? ' mine' : ''}`}
      data-testid="chat-message"
      data-message-id={message.id}
      data-sender-kind={message.sender_kind}
    >
      <div className="chat-meta">
        <span className="sender-label" data-testid="sender-label">
          {label}
        </span>
        {mine && <span className="visually-hidden"> ({SENDER_LABELS[message.sender_kind]})</span>}
        <time dateTime={message.created_at}>{formatTime(message.created_at)}</time>
      </div>
      <p className="chat-body">{message.body}</p>
      {mine && (
        <div className="chat-status">
          <span
            className={read ? 'read-tick read' : 'read-tick'}
            data-testid="read-tick"
            data-read={String(read)}
            aria-label={read ? 'Read' : 'Sent'}
            title={read && message.read_at ? `Read at ${formatTime(message.read_at)}` : 'Sent'}
          >
            {read ? '✓✓' : '✓'}
          </span>
        </div>
      )}
    </li>
  );
}

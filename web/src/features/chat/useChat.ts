// State of one chat session: history by cursor, live messages, sending with
// a resend-safe client_msg_id, typing in both directions and read receipts.
import { useCallback, useEffect, useRef, useState } from 'react';
import { listChatMessages, markChatRead, postChatMessage } from '../../api/endpoints';
import type { ChatMessage } from '../../api/types';
import { emitWithAck, useSocket, useSocketEvent } from '../../realtime/SocketContext';
import {
  applyReadReceipt,
  isChatMessage,
  mergeMessages,
  newClientMessageId,
  settlePending,
  type PendingMessage,
} from './messages';

const PAGE_SIZE = 50;
// typing_stop is sent after this long without a keystroke.
const TYPING_IDLE_MS = 3_000;
// A peer's typing indicator hides by itself if its typing_stopped is lost.
const PEER_TYPING_TIMEOUT_MS = 8_000;

interface SessionEvent {
  session_id?: string;
  user_id?: string;
}

interface ReadEvent {
  session_id?: string;
  reader_id?: string;
  up_to_message_id?: string;
  read_at?: string;
}

export interface ChatState {
  messages: ChatMessage[];
  pending: PendingMessage[];
  loading: boolean;
  error: unknown;
  hasOlder: boolean;
  loadingOlder: boolean;
  /** Whether someone other than the signed-in user is typing. */
  peerTyping: boolean;
  send: (body: string) => void;
  retry: (clientMsgId: string) => void;
  loadOlder: () => void;
  reload: () => void;
  /** Call on every keystroke in the composer. */
  noteTyping: () => void;
  stopTyping: () => void;
}

export function useChat(sessionId: string, myId: string): ChatState {
  const { socket } = useSocket();
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [pending, setPending] = useState<PendingMessage[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [typingPeers, setTypingPeers] = useState<Record<string, number>>({});
  const [generation, setGeneration] = useState(0);

  const socketRef = useRef(socket);
  socketRef.current = socket;

  // ---------------------------------------------------------------- history

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);
    setMessages([]);
    setPending([]);
    setTypingPeers({});
    listChatMessages(sessionId, { limit: PAGE_SIZE }, controller.signal)
      .then((page) => {
        setMessages(mergeMessages([], page.items));
        setNextCursor(page.next_cursor);
        setLoading(false);
      })
      .catch((failure: unknown) => {
        if (controller.signal.aborted) return;
        setError(failure);
        setLoading(false);
      });
    return () => controller.abort();
  }, [sessionId, generation]);

  // NOTE: this assumes next_cursor pages toward older messages. mergeMessages
  // sorts by time, so the order shown is right whichever way the server pages.
  const loadOlder = useCallback(() => {
    if (!nextCursor || loadingOlder) return;
    setLoadingOlder(true);
    listChatMessages(sessionId, { cursor: nextCursor, limit: PAGE_SIZE })
      .then((page) => {
        setMessages((current) => mergeMessages(current, page.items));
        setNextCursor(page.next_cursor);
      })
      .catch((failure: unknown) => setError(failure))
      .finally(() => setLoadingOlder(false));
  }, [sessionId, nextCursor, loadingOlder]);

  // ---------------------------------------------------------------- room

  useEffect(() => {
    if (!socket) return;
    const join = () => socket.emit('join_chat', { session_id: sessionId });
    if (socket.connected) join();
    // Rooms do not survive a reconnect, so join again on every connect.
    socket.on('connect', join);
    return () => {
      socket.off('connect', join);
      if (socket.connected) socket.emit('leave_chat', { session_id: sessionId });
    };
  }, [socket, sessionId]);

  useSocketEvent<ChatMessage>('new_message', (message) => {
    if (!isChatMessage(message) || message.session_id !== sessionId) return;
    setMessages((current) => mergeMessages(current, [message]));
    setPending((current) => settlePending(current, message, myId));
    if (message.sender_id) clearPeerTyping(message.sender_id);
  });

  useSocketEvent<SessionEvent>('typing_started', (event) => {
    if (event?.session_id !== sessionId || !event.user_id || event.user_id === myId) return;
    const userId = event.user_id;
    setTypingPeers((current) => ({ ...current, [userId]: Date.now() }));
  });

  useSocketEvent<SessionEvent>('typing_stopped', (event) => {
    if (event?.session_id !== sessionId || !event.user_id) return;
    clearPeerTyping(event.user_id);
  });

  useSocketEvent<ReadEvent>('messages_read', (event) => {
    if (event?.session_id !== sessionId || !event.reader_id || !event.up_to_message_id) return;
    if (event.reader_id === myId) return;
    const { reader_id, up_to_message_id } = event;
    const readAt = event.read_at ?? new Date().toISOString();
    setMessages((current) => applyReadReceipt(current, reader_id, up_to_message_id, readAt));
  });

  function clearPeerTyping(userId: string) {
    setTypingPeers((current) => {
      if (!(userId in current)) return current;
      const next = { ...current };
      delete next[userId];
      return next;
    });
  }

  useEffect(() => {
    const ids = Object.keys(typingPeers);
    if (ids.length === 0) return;
    const oldest = Math.min(...Object.values(typingPeers));
    const timer = window.setTimeout(
      () => {
        const now = Date.now();
        setTypingPeers((current) =>
          Object.fromEntries(Object.entries(current).filter(([, since]) => now - since < PEER_TYPING_TIMEOUT_MS)),
        );
      },
      Math.max(0, oldest + PEER_TYPING_TIMEOUT_MS - Date.now()),
    );
    return () => window.clearTimeout(timer);
  }, [typingPeers]);

  // ---------------------------------------------------------------- outgoing typing

  const typingRef = useRef<{ active: boolean; timer: number | undefined }>({ active: false, timer: undefined });

  const stopTyping = useCallback(() => {
    const state = typingRef.current;
    window.clearTimeout(state.timer);
    if (state.active) {
      state.active = false;
      socketRef.current?.emit('typing_stop', { session_id: sessionId });
    }
  }, [sessionId]);

  const noteTyping = useCallback(() => {
    const state = typingRef.current;
    if (!state.active && socketRef.current?.connected) {
      state.active = true;
      socketRef.current.emit('typing_start', { session_id: sessionId });
    }
    window.clearTimeout(state.timer);
    state.timer = window.setTimeout(stopTyping, TYPING_IDLE_MS);
  }, [sessionId, stopTyping]);

  useEffect(() => stopTyping, [stopTyping]);

  // ---------------------------------------------------------------- sending

  const deliver = useCallback(
    async (item: PendingMessage) => {
      const payload = { session_id: sessionId, body: item.body, client_msg_id: item.clientMsgId };
      let stored: ChatMessage | null = null;
      const current = socketRef.current;
      if (current?.connected) {
        try {
          const ack = await emitWithAck(current, 'send_message', payload);
          stored = isChatMessage(ack.message) ? ack.message : null;
          if (!stored) {
            // The server stored it but sent no copy; new_message brings it, so keep the pending copy until then.
            return;
          }
        } catch {
          // Fall back to HTTP: the same client_msg_id makes a duplicate harmless.
        }
      }
      try {
        stored ??= await postChatMessage(sessionId, item.body, item.clientMsgId);
        const message = stored;
        setMessages((messagesNow) => mergeMessages(messagesNow, [message]));
        setPending((pendingNow) => settlePending(pendingNow, message, myId, item.clientMsgId));
      } catch {
        setPending((pendingNow) =>
          pendingNow.map((entry) => (entry.clientMsgId === item.clientMsgId ? { ...entry, status: 'failed' } : entry)),
        );
      }
    },
    [sessionId, myId],
  );

  const send = useCallback(
    (body: string) => {
      const text = body.trim();
      if (!text) return;
      stopTyping();
      const item: PendingMessage = {
        clientMsgId: newClientMessageId(),
        body: text,
        createdAt: new Date().toISOString(),
        status: 'sending',
      };
      setPending((current) => [...current, item]);
      void deliver(item);
    },
    [deliver, stopTyping],
  );

  const retry = useCallback(
    (clientMsgId: string) => {
      const item = pending.find((entry) => entry.clientMsgId === clientMsgId);
      if (!item) return;
      const retried = { ...item, status: 'sending' as const };
      setPending((current) => current.map((entry) => (entry.clientMsgId === clientMsgId ? retried : entry)));
      void deliver(retried);
    },
    [pending, deliver],
  );

  // ---------------------------------------------------------------- read receipts

  const lastMarkedRef = useRef<string | null>(null);
  const latestFromPeer = [...messages].reverse().find((message) => message.sender_id !== myId);
  const pageVisible = usePageVisible();

  // Messages count as read only while the page is visible.
  useEffect(() => {
    if (!pageVisible || !latestFromPeer || latestFromPeer.id === lastMarkedRef.current) return;
    const upTo = latestFromPeer.id;
    lastMarkedRef.current = upTo;
    const current = socketRef.current;
    if (current?.connected) {
      current.emit('mark_read', { session_id: sessionId, up_to_message_id: upTo });
    } else {
      markChatRead(sessionId, upTo).catch(() => {
        // Clearing the mark lets the next message or visibility change try again.
        lastMarkedRef.current = null;
      });
    }
  }, [latestFromPeer, sessionId, pageVisible]);

  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  return {
    messages,
    pending,
    loading,
    error,
    hasOlder: nextCursor !== null,
    loadingOlder,
    peerTyping: Object.keys(typingPeers).length > 0,
    send,
    retry,
    loadOlder,
    reload,
    noteTyping,
    stopTyping,
  };
}

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(() => document.visibilityState !== 'hidden');
  useEffect(() => {
    const update = () => setVisible(document.visibilityState !== 'hidden');
    document.addEventListener('visibilitychange', update);
    return () => document.removeEventListener('visibilitychange', update);
  }, []);
  return visible;
}

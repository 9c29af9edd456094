// Pure helpers for the chat message list, kept apart from React so they are
// easy to read and test.
import type { ChatMessage, SenderKind } from '../../api/types';

export interface PendingMessage {
  clientMsgId: string;
  body: string;
  createdAt: string;
  status: 'sending' | 'failed';
}

export const SENDER_LABELS: Record<SenderKind, string> = {
  client: 'Client',
  admin: 'Admin',
  bot: 'Bot',
  ai: 'AI',
  system: 'System',
};

function compareMessages(a: ChatMessage, b: ChatMessage): number {
  // Parsed, because RFC 3339 strings with different fraction digits do not sort as text.
  const byTime = Date.parse(a.created_at) - Date.parse(b.created_at);
  if (byTime !== 0) return byTime;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/** Adds or replaces messages by id and keeps the list in time order, whatever order the server sent. */
export function mergeMessages(current: ChatMessage[], incoming: ChatMessage[]): ChatMessage[] {
  const byId = new Map(current.map((message) => [message.id, message]));
  for (const message of incoming) {
    const known = byId.get(message.id);
    // Keep a read time already learned from a messages_read event.
    byId.set(message.id, known?.read_at && !message.read_at ? { ...message, read_at: known.read_at } : message);
  }
  return [...byId.values()].sort(compareMessages);
}

/**
 * Marks as read the messages that `readerId` did not send, up to and
 * including `upToMessageId`. When that id is not loaded, every message
 * created at or before `readAt` counts.
 */
export function applyReadReceipt(
  messages: ChatMessage[],
  readerId: string,
  upToMessageId: string,
  readAt: string,
): ChatMessage[] {
  const lastIndex = messages.findIndex((message) => message.id === upToMessageId);
  return messages.map((message, index) => {
    if (message.read_at || message.sender_id === readerId) return message;
    const covered = lastIndex >= 0 ? index <= lastIndex : message.created_at <= readAt;
    return covered ? { ...message, read_at: readAt } : message;
  });
}

/** Drops the pending copy of a message the server has now stored. */
export function settlePending(pending: PendingMessage[], stored: ChatMessage, myId: string, clientMsgId?: string): PendingMessage[] {
  if (clientMsgId) return pending.filter((item) => item.clientMsgId !== clientMsgId);
  if (stored.sender_id !== myId) return pending;
  // A broadcast carries no client_msg_id, so match the oldest pending copy with the same text.
  const index = pending.findIndex((item) => item.body === stored.body);
  return index < 0 ? pending : [...pending.slice(0, index), ...pending.slice(index + 1)];
}

export function isChatMessage(value: unknown): value is ChatMessage {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.id === 'string' && typeof candidate.session_id === 'string' && typeof candidate.body === 'string';
}

export function newClientMessageId(): string {
  if (typeof crypto !== 'undefined' && 'randomUUID' in crypto) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

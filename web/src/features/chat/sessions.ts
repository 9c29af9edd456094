import type { ChatSession } from '../../api/types';

/** Inserts or replaces a session and keeps open sessions first, most recent activity first. */
export function upsertSession(sessions: ChatSession[], updated: ChatSession): ChatSession[] {
  const others = sessions.filter((session) => session.id !== updated.id);
  return sortSessions([updated, ...others]);
}

export function sortSessions(sessions: ChatSession[]): ChatSession[] {
  return [...sessions].sort((a, b) => {
    if (a.status !== b.status) return a.status === 'open' ? -1 : 1;
    return Date.parse(b.last_activity_at) - Date.parse(a.last_activity_at);
  });
}

export function isChatSession(value: unknown): value is ChatSession {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.id === 'string' && typeof candidate.client_id === 'string' && typeof candidate.status === 'string';
}

// Persistence of the signed-in session in localStorage, shared by all tabs.
import type { TokenResponse, User } from '../api/types';

export interface Session {
  token: string;
  /** Epoch milliseconds at which the access token expires. */
  expiresAt: number;
  user: User;
}

export const SESSION_STORAGE_KEY = 'dms.session';

// Sign out slightly before the server would start to return 401, so that a
// request in flight at the boundary does not fail half-way through a form.
const EXPIRY_MARGIN_MS = 5_000;

export function sessionFromToken(token: TokenResponse, now = Date.now()): Session {
  const lifetimeMs = Math.max(0, token.expires_in * 1000 - EXPIRY_MARGIN_MS);
  return { token: token.access_token, expiresAt: now + lifetimeMs, user: token.user };
}

export function loadSession(now = Date.now()): Session | null {
  let raw: string | null;
  try {
    raw = localStorage.getItem(SESSION_STORAGE_KEY);
  } catch {
    return null;
  }
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as Session;
    if (typeof parsed.token !== 'string' || typeof parsed.expiresAt !== 'number' || !parsed.user) return null;
    return parsed.expiresAt > now ? parsed : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session | null): void {
  try {
    if (session) localStorage.setItem(SESSION_STORAGE_KEY, JSON.stringify(session));
    else localStorage.removeItem(SESSION_STORAGE_KEY);
  } catch {
    // Private browsing may forbid storage; the session then lasts for this tab only.
  }
}

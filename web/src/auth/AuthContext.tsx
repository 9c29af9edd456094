// Stores the signed-in user and token, signs out when the token expires or
// the API returns 401, and keeps tabs in step through the storage event.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { configureApi } from '../api/client';
import { fetchCurrentUser } from '../api/endpoints';
import type { TokenResponse, User } from '../api/types';
import { loadSession, saveSession, sessionFromToken, SESSION_STORAGE_KEY, type Session } from './session';

export type SignOutReason = 'signed-out' | 'expired';

interface AuthContextValue {
  user: User | null;
  token: string | null;
  /** Reason the last session ended, shown on the sign-in page. */
  signOutReason: SignOutReason | null;
  signIn: (token: TokenResponse) => void;
  signOut: (reason?: SignOutReason) => void;
  replaceUser: (user: User) => void;
}

const AuthContext = createContext<AuthContextValue | null>(null);

// setTimeout fires at once for delays above 2^31-1 ms (about 24.8 days).
const MAX_TIMER_DELAY_MS = 2_147_483_647;

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [signOutReason, setSignOutReason] = useState<SignOutReason | null>(null);
  const sessionRef = useRef(session);
  sessionRef.current = session;

  const signOut = useCallback((reason: SignOutReason = 'signed-out') => {
    if (!sessionRef.current) return;
    sessionRef.current = null;
    saveSession(null);
    setSession(null);
    setSignOutReason(reason);
  }, []);

  const signIn = useCallback((token: TokenResponse) => {
    const next = sessionFromToken(token);
    sessionRef.current = next;
    saveSession(next);
    setSession(next);
    setSignOutReason(null);
  }, []);

  const replaceUser = useCallback((user: User) => {
    const current = sessionRef.current;
    if (!current) return;
    const next = { ...current, user };
    sessionRef.current = next;
    saveSession(next);
    setSession(next);
  }, []);

  // Configured during the first render, not in an effect, because children's
  // effects run first and may already send requests. The API layer reads the
  // token through the ref, so every request uses the latest one.
  useState(() =>
    configureApi({
      getToken: () => sessionRef.current?.token ?? null,
      onUnauthorized: () => signOut('expired'),
    }),
  );

  useEffect(() => {
    if (!session) return;
    const delay = Math.min(Math.max(0, session.expiresAt - Date.now()), MAX_TIMER_DELAY_MS);
    const timer = window.setTimeout(() => signOut('expired'), delay);
    return () => window.clearTimeout(timer);
  }, [session, signOut]);

  // Re-read the user once per stored session: the role or zone may have changed since sign-in.
  const token = session?.token ?? null;
  useEffect(() => {
    if (!token) return;
    const controller = new AbortController();
    fetchCurrentUser(controller.signal)
      .then((user) => {
        if (sessionRef.current?.token === token) replaceUser(user);
      })
      .catch(() => {
        // A 401 already signed out through the API layer; other failures keep the stored user.
      });
    return () => controller.abort();
  }, [token, replaceUser]);

  useEffect(() => {
    function onStorage(event: StorageEvent) {
      if (event.key !== SESSION_STORAGE_KEY) return;
      const next = loadSession();
      sessionRef.current = next;
      setSession(next);
      if (!next) setSignOutReason('signed-out');
    }
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const value = useMemo<AuthContextValue>(
    () => ({
      user: session?.user ?? null,
      token: session?.token ?? null,
      signOutReason,
      signIn,
      signOut,
      replaceUser,
    }),
    [session, signOutReason, signIn, signOut, replaceUser],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth must be used inside <AuthProvider>');
  return value;
}

/** Returns the signed-in user, for components rendered only behind a sign-in guard. */
export function useCurrentUser(): User {
  const { user } = useAuth();
  if (!user) throw new Error('useCurrentUser needs a signed-in user');
  return user;
}

// Socket.IO connection for the signed-in user. The client library is loaded
// on demand so it stays out of the first download, and the server address
// comes from /config.json at run time so one build serves every deployment.
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useAuth } from '../auth/AuthContext';

/** The part of a socket.io-client Socket the dashboard uses, so tests can pass a fake. */
export interface RealtimeSocket {
  readonly connected: boolean;
  on(event: string, listener: (...args: any[]) => void): unknown;
  off(event: string, listener?: (...args: any[]) => void): unknown;
  emit(event: string, ...args: any[]): unknown;
}

export type SocketStatus = 'idle' | 'connecting' | 'connected' | 'disconnected';

export interface SocketContextValue {
  socket: RealtimeSocket | null;
  status: SocketStatus;
}

export const SocketContext = createContext<SocketContextValue>({ socket: null, status: 'idle' });

interface RuntimeConfig {
  socket_url: string;
}

let configPromise: Promise<RuntimeConfig> | null = null;

/** Reads /config.json once; an unreachable or malformed file means "same origin". */
export function loadRuntimeConfig(): Promise<RuntimeConfig> {
  configPromise ??= fetch('/config.json', { headers: { Accept: 'application/json' } })
    .then(async (response) => {
      if (!response.ok) throw new Error(`GET /config.json failed with status ${response.status}`);
      const body = (await response.json()) as Partial<RuntimeConfig>;
      return { socket_url: typeof body.socket_url === 'string' ? body.socket_url : '' };
    })
    .catch((error: unknown) => {
      console.warn('Using the page origin for Socket.IO because /config.json could not be read:', error);
      return { socket_url: '' };
    });
  return configPromise;
}

export function SocketProvider({ children }: { children: ReactNode }) {
  const { token } = useAuth();
  const [value, setValue] = useState<SocketContextValue>({ socket: null, status: 'idle' });

  useEffect(() => {
    if (!token) {
      setValue({ socket: null, status: 'idle' });
      return;
    }
    let cancelled = false;
    let socket: import('socket.io-client').Socket | null = null;
    setValue({ socket: null, status: 'connecting' });

    Promise.all([loadRuntimeConfig(), import('socket.io-client')])
      .then(([config, { io }]) => {
        if (cancelled) return;
        const options = { path: '/socket.io/', auth: { token } };
        const created = config.socket_url ? io(config.socket_url, options) : io(options);
        socket = created;
        const update = (status: SocketStatus) => {
          if (!cancelled) setValue({ socket: created, status });
        };
        created.on('connect', () => update('connected'));
        created.on('disconnect', () => update('disconnected'));
        created.on('connect_error', (error: Error) => {
          console.warn('Socket.IO connection failed:', error.message);
          update('disconnected');
        });
        created.on('error', (payload: { code?: string; message?: string }) => {
          console.warn('Socket.IO server error:', payload?.code, payload?.message);
        });
        update('connecting');
      })
      .catch((error: unknown) => {
        console.error('Failed to load the Socket.IO client:', error);
        if (!cancelled) setValue({ socket: null, status: 'disconnected' });
      });

    return () => {
      cancelled = true;
      socket?.disconnect();
    };
  }, [token]);

  return <SocketContext.Provider value={value}>{children}</SocketContext.Provider>;
}

export function useSocket(): SocketContextValue {
  return useContext(SocketContext);
}

/** Subscribes `handler` to a socket event for the component's lifetime; the latest handler is always called. */
export function useSocketEvent<T>(event: string, handler: (payload: T) => void): void {
  const { socket } = useSocket();
  const handlerRef = useRef(handler);
  handlerRef.current = handler;

  useEffect(() => {
    if (!socket) return;
    const listener = (payload: T) => handlerRef.current(payload);
    socket.on(event, listener);
    return () => {
      socket.off(event, listener);
    };
  }, [socket, event]);
}

export interface AckResult {
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

/** Emits an event with an acknowledgement callback, and rejects when none arrives within `timeoutMs`. */
export function emitWithAck(
  socket: RealtimeSocket,
  event: string,
  payload: unknown,
  timeoutMs = 8_000,
): Promise<AckResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${event} timed out: no acknowledgement within ${timeoutMs / 1000} s`)), timeoutMs);
    socket.emit(event, payload, (result: AckResult | undefined) => {
      clearTimeout(timer);
      if (result && result.ok === false) {
        reject(new Error(result.error || `${event} was rejected`));
      } else {
        resolve(result ?? { ok: true });
      }
    });
  });
}

// Toast notifications in a polite live region at the corner of the screen.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { Link } from 'react-router-dom';

export interface ToastInput {
  title: string;
  body?: string;
  kind?: 'info' | 'alert' | 'error' | 'success';
  link?: { to: string; label: string };
  /** Milliseconds before the toast hides itself; 0 keeps it until dismissed. */
  durationMs?: number;
}

interface Toast extends ToastInput {
  id: number;
}

interface ToastContextValue {
  showToast: (toast: ToastInput) => void;
}

const ToastContext = createContext<ToastContextValue>({ showToast: () => {} });

const DEFAULT_DURATION_MS = 10_000;
// Older toasts are dropped so that a burst of alerts cannot cover the page.
const MAX_VISIBLE_TOASTS = 5;

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => {
    setToasts((current) => current.filter((toast) => toast.id !== id));
  }, []);

  const showToast = useCallback((input: ToastInput) => {
    const toast = { ...input, id: nextId.current++ };
    setToasts((current) => [...current, toast].slice(-MAX_VISIBLE_TOASTS));
  }, []);

  const value = useMemo(() => ({ showToast }), [showToast]);

  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toast-region" role="status" aria-live="polite" aria-label="Notifications">
        {toasts.map((toast) => (
          <ToastItem key={toast.id} toast={toast} onDismiss={dismiss} />
        ))}
      </div>
    </ToastContext.Provider>
  );
}

function ToastItem({ toast, onDismiss }: { toast: Toast; onDismiss: (id: number) => void }) {
  const duration = toast.durationMs ?? DEFAULT_DURATION_MS;
  useEffect(() => {
    if (duration <= 0) return;
    const timer = window.setTimeout(() => onDismiss(toast.id), duration);
    return () => window.clearTimeout(timer);
  }, [duration, toast.id, onDismiss]);

  return (
    <div className={`toast toast-${toast.kind ?? 'info'}`} data-testid="toast" data-kind={toast.kind ?? 'info'}>
      <div className="toast-text">
        <strong>{toast.title}</strong>
        {toast.body && <p>{toast.body}</p>}
        {toast.link && (
          <Link to={toast.link.to} onClick={() => onDismiss(toast.id)}>
            {toast.link.label}
          </Link>
        )}
      </div>
      <button type="button" className="icon-button" onClick={() => onDismiss(toast.id)} aria-label="Dismiss notification">
        ×
      </button>
    </div>
  );
}

export function useToast(): ToastContextValue {
  return useContext(ToastContext);
}

// Listens for `overconsumption_notification` on the socket, shows a toast
// for each alert and keeps the alerts of this browser session for the
// alerts page's live feed.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import type { AlertNotification } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { useToast } from '../../components/Toasts';
import { useSocketEvent } from '../../realtime/SocketContext';
import { dateInZone, formatHour, formatKwh, preferredTimeZone } from '../../util/time';

// Enough for a shift's worth of alerts without growing without bound.
const MAX_LIVE_ALERTS = 200;

interface LiveAlertsValue {
  /** Alerts received since the page loaded, newest first. */
  liveAlerts: AlertNotification[];
  markAcknowledged: (alertId: string, acknowledgedAt: string) => void;
}

const LiveAlertsContext = createContext<LiveAlertsValue>({ liveAlerts: [], markAcknowledged: () => {} });

export function LiveAlertsProvider({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const { showToast } = useToast();
  const [liveAlerts, setLiveAlerts] = useState<AlertNotification[]>([]);
  const zone = preferredTimeZone(user?.timezone);

  // Delivery is at least once, so a repeated alert id shows no second toast.
  const seenAlertIds = useRef(new Set<string>());

  useSocketEvent<AlertNotification>('overconsumption_notification', (alert) => {
    if (!alert || typeof alert.id !== 'string' || seenAlertIds.current.has(alert.id)) return;
    seenAlertIds.current.add(alert.id);
    setLiveAlerts((current) => [alert, ...current].slice(0, MAX_LIVE_ALERTS));

    const hour = formatHour(alert.hour_start, zone);
    showToast({
      kind: 'alert',
      title: `Over the limit: ${alert.device_name}`,
      body: `${formatKwh(alert.kwh)} in the hour from ${hour} (${zone}), limit ${formatKwh(alert.max_hourly_kwh)}.`,
      link: {
        to: `/devices/${alert.device_id}?date=${dateInZone(zone, new Date(alert.hour_start))}&tz=${encodeURIComponent(zone)}`,
        label: 'Show the day',
      },
      durationMs: 15_000,
    });
  });

  const markAcknowledged = useCallback((alertId: string, acknowledgedAt: string) => {
    setLiveAlerts((current) =>
      current.map((alert) => (alert.id === alertId ? { ...alert, acknowledged_at: acknowledgedAt } : alert)),
    );
  }, []);

  const value = useMemo(() => ({ liveAlerts, markAcknowledged }), [liveAlerts, markAcknowledged]);
  return <LiveAlertsContext.Provider value={value}>{children}</LiveAlertsContext.Provider>;
}

export function useLiveAlerts(): LiveAlertsValue {
  return useContext(LiveAlertsContext);
}

// Over-consumption alerts: a filtered, paged list with acknowledge, and for
// administrators the live feed of alerts raised since the page loaded.
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { acknowledgeAlert, listAlerts, listDevices } from '../../api/endpoints';
import type { Alert, AlertNotification } from '../../api/types';
import { errorMessage } from '../../api/client';
import { useAuth } from '../../auth/AuthContext';
import { Pagination } from '../../components/Pagination';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { useToast } from '../../components/Toasts';
import { useSocketEvent } from '../../realtime/SocketContext';
import { addDays, dateInZone, formatDateTime, formatHour, formatKwh, isValidDate, preferredTimeZone } from '../../util/time';
import { useAsync } from '../../util/useAsync';
import { useDeviceNames } from '../devices/useDeviceNames';
import { useLiveAlerts } from './LiveAlerts';

const PER_PAGE = 20;
const MAX_DEVICE_CHOICES = 100;

type AckFilter = 'all' | 'open' | 'acknowledged';

/** Start of a calendar date in the browser's zone, as an RFC 3339 instant. */
function startOfLocalDate(date: string): string {
  return new Date(`${date}T00:00:00`).toISOString();
}

export function AlertsPage() {
  const { user } = useAuth();
  const zone = preferredTimeZone(user?.timezone);
  const isAdmin = user?.role === 'admin';
  const [page, setPage] = useState(1);
  const [deviceId, setDeviceId] = useState('');
  const [ackFilter, setAckFilter] = useState<AckFilter>('open');
  const [fromDate, setFromDate] = useState('');
  const [toDate, setToDate] = useState('');

  const devices = useAsync((signal) => listDevices({ page: 1, per_page: MAX_DEVICE_CHOICES }, signal), []);
  const alerts = useAsync(
    (signal) =>
      listAlerts(
        {
          page,
          per_page: PER_PAGE,
          device_id: deviceId || undefined,
          acknowledged: ackFilter === 'all' ? undefined : ackFilter === 'acknowledged',
          from: isValidDate(fromDate) ? startOfLocalDate(fromDate) : undefined,
          // The end is exclusive, so "to" takes in the whole of its day.
          to: isValidDate(toDate) ? startOfLocalDate(addDays(toDate, 1)) : undefined,
        },
        signal,
      ),
    [page, deviceId, ackFilter, fromDate, toDate],
  );
  const names = useDeviceNames(alerts.data?.items.map((alert) => alert.device_id) ?? []);

  useSocketEvent('overconsumption_notification', () => {
    if (page === 1) alerts.reload();
  });

  function onAcknowledged(updated: Alert) {
    alerts.setData((current) =>
      current && { ...current, items: current.items.map((alert) => (alert.id === updated.id ? updated : alert)) },
    );
  }

  function changeFilter(apply: () => void) {
    apply();
    setPage(1);
  }

  return (
    <section className="page" aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      {isAdmin && <LiveFeed zone={zone} onAcknowledged={onAcknowledged} />}

      <h2>All alerts</h2>
      <form className="toolbar filters" onSubmit={(event) => event.preventDefault()} aria-label="Filter alerts">
        <label className="inline-field">
          Device
          <select value={deviceId} onChange={(event) => changeFilter(() => setDeviceId(event.target.value))} data-testid="alert-device-filter">
            <option value="">All devices</option>
            {devices.data?.items.map((device) => (
              <option key={device.id} value={device.id}>
                {device.name}
              </option>
            ))}
          </select>
        </label>
        <label className="inline-field">
          Status
          <select
            value={ackFilter}
            onChange={(event) => changeFilter(() => setAckFilter(event.target.value as AckFilter))}
            data-testid="alert-ack-filter"
          >
            <option value="open">Not acknowledged</option>
            <option value="acknowledged">Acknowledged</option>
            <option value="all">All</option>
          </select>
        </label>
        <label className="inline-field">
          From
          <input type="date" value={fromDate} max={toDate || undefined} onChange={(event) => changeFilter(() => setFromDate(event.target.value))} />
        </label>
        <label className="inline-field">
          To
          <input type="date" value={toDate} min={fromDate || undefined} onChange={(event) => changeFilter(() => setToDate(event.target.value))} />
        </label>
      </form>

      {alerts.error ? (
        <ErrorState error={alerts.error} onRetry={alerts.reload} />
      ) : !alerts.data ? (
        <Loading label="Loading alerts…" />
      ) : alerts.data.items.length === 0 ? (
        <EmptyState>No alerts match these filters.</EmptyState>
      ) : (
        <div className="table-scroll" aria-busy={alerts.loading}>
          <table className="data-table" data-testid="alert-table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Hour ({zone})</th>
                <th scope="col">Consumed</th>
                <th scope="col">Limit</th>
                <th scope="col">Raised</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {alerts.data.items.map((alert) => (
                <tr key={alert.id} data-testid="alert-row" data-alert-id={alert.id}>
                  <th scope="row" data-label="Device">
                    <Link to={dayLink(alert, zone)}>{names[alert.device_id] ?? '…'}</Link>
                  </th>
                  <td data-label="Hour">
                    {dateInZone(zone, new Date(alert.hour_start))} {formatHour(alert.hour_start, zone)}
                  </td>
                  <td data-label="Consumed" data-kwh={String(alert.kwh)}>
                    {formatKwh(alert.kwh)}
                  </td>
                  <td data-label="Limit">{formatKwh(alert.max_hourly_kwh)}</td>
                  <td data-label="Raised">{formatDateTime(alert.raised_at, zone)}</td>
                  <td data-label="Status">
                    <AckControl alert={alert} zone={zone} onAcknowledged={onAcknowledged} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {alerts.data && <Pagination page={page} perPage={PER_PAGE} total={alerts.data.total} onChange={setPage} label="Alert pages" />}
    </section>
  );
}

function dayLink(alert: Alert, zone: string): string {
  return `/devices/${alert.device_id}?date=${dateInZone(zone, new Date(alert.hour_start))}&tz=${encodeURIComponent(zone)}`;
}

function AckControl({ alert, zone, onAcknowledged }: { alert: Alert; zone: string; onAcknowledged: (alert: Alert) => void }) {
  const { markAcknowledged } = useLiveAlerts();
  const { showToast } = useToast();
  const [busy, setBusy] = useState(false);

  if (alert.acknowledged_at) {
    return <span className="badge" data-testid="alert-acknowledged">Acknowledged {formatDateTime(alert.acknowledged_at, zone)}</span>;
  }

  async function acknowledge() {
    setBusy(true);
    try {
      const updated = await acknowledgeAlert(alert.id);
      onAcknowledged(updated);
      markAcknowledged(updated.id, updated.acknowledged_at ?? new Date().toISOString());
    } catch (error) {
      showToast({ kind: 'error', title: 'Could not acknowledge the alert', body: errorMessage(error) });
      setBusy(false);
    }
  }

  return (
    <button type="button" className="button small" onClick={() => void acknowledge()} disabled={busy} data-testid="ack-alert">
      {busy ? 'Acknowledging…' : 'Acknowledge'}
    </button>
  );
}

function LiveFeed({ zone, onAcknowledged }: { zone: string; onAcknowledged: (alert: Alert) => void }) {
  const { liveAlerts } = useLiveAlerts();
  return (
    <section className="card live-feed" aria-labelledby="live-feed-title" data-testid="live-alert-feed">
      <h2 id="live-feed-title">Live feed</h2>
      {liveAlerts.length === 0 ? (
        <EmptyState>No alert since this page was opened. New alerts appear here as they are raised.</EmptyState>
      ) : (
        <ul className="live-list" aria-live="polite">
          {liveAlerts.map((alert: AlertNotification) => (
            <li key={alert.id} data-testid="live-alert" data-alert-id={alert.id}>
              <span>
                <Link to={dayLink(alert, zone)}>{alert.device_name}</Link>: {formatKwh(alert.kwh)} in the hour from{' '}
                {formatHour(alert.hour_start, zone)} (limit {formatKwh(alert.max_hourly_kwh)})
              </span>
              <AckControl alert={alert} zone={zone} onAcknowledged={onAcknowledged} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

// A client's devices with today's consumption: the day's total and the
// busiest hour against the device's hourly limit.
import { useEffect } from 'react';
import { Link } from 'react-router-dom';
import { fetchConsumptionOverview, listDevices } from '../../api/endpoints';
import type { Device, DeviceDaySummary } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { useSocketEvent } from '../../realtime/SocketContext';
import { dateInZone, formatHour, formatKwh, preferredTimeZone } from '../../util/time';
import { useAsync } from '../../util/useAsync';

// A client rarely owns more than a handful of meters. Above this, the page shows how many are left out.
const MAX_DEVICES = 100;
const REFRESH_MS = 60_000;

export function MyDevicesPage() {
  const { user } = useAuth();
  const zone = preferredTimeZone(user?.timezone);
  const today = dateInZone(zone);

  const overview = useAsync(
    async (signal) => {
      const [devices, consumption] = await Promise.all([
        listDevices({ page: 1, per_page: MAX_DEVICES }, signal),
        fetchConsumptionOverview({ date: today, tz: zone }, signal),
      ]);
      return { devices, consumption };
    },
    [today, zone],
  );

  const { reload } = overview;
  useEffect(() => {
    const timer = window.setInterval(reload, REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [reload]);
  useSocketEvent('overconsumption_notification', reload);

  return (
    <section className="page" aria-labelledby="my-devices-title">
      <h1 id="my-devices-title">My devices</h1>
      <p className="muted">
        Today, {today}, in {zone}.
      </p>
      {overview.error ? (
        <ErrorState error={overview.error} onRetry={overview.reload} />
      ) : !overview.data ? (
        <Loading label="Loading your devices…" />
      ) : overview.data.devices.items.length === 0 ? (
        <EmptyState>You have no devices yet. An administrator assigns devices to your account.</EmptyState>
      ) : (
        <>
          <ul className="device-cards" aria-busy={overview.loading}>
            {overview.data.devices.items.map((device) => (
              <DeviceCard
                key={device.id}
                device={device}
                summary={overview.data?.consumption.devices.find((entry) => entry.device_id === device.id)}
                zone={zone}
              />
            ))}
          </ul>
          {overview.data.devices.total > overview.data.devices.items.length && (
            <p className="notice">
              Showing {overview.data.devices.items.length} of {overview.data.devices.total} devices.
            </p>
          )}
        </>
      )}
    </section>
  );
}

function DeviceCard({ device, summary, zone }: { device: Device; summary: DeviceDaySummary | undefined; zone: string }) {
  const limit = summary?.max_hourly_kwh ?? device.max_hourly_kwh;
  const peak = summary?.peak_hour ?? null;
  const overLimit = peak !== null && peak.kwh > limit;
  return (
    <li className={overLimit ? 'card device-card over-limit' : 'card device-card'} data-testid="device-row" data-device-id={device.id}>
      <h2>
        <Link to={`/devices/${device.id}`} data-testid="device-link">
          {device.name}
        </Link>
      </h2>
      {device.location && <p className="muted">{device.location}</p>}
      <dl className="facts">
        <div>
          <dt>Today</dt>
          <dd data-testid="device-today-total" data-kwh={summary ? String(summary.total_kwh) : ''}>
            {summary ? formatKwh(summary.total_kwh) : 'No data'}
          </dd>
        </div>
        <div>
          <dt>Hourly limit</dt>
          <dd>{formatKwh(limit)}</dd>
        </div>
        <div>
          <dt>Busiest hour</dt>
          <dd data-testid="device-peak" data-kwh={peak ? String(peak.kwh) : ''}>
            {peak ? `${formatKwh(peak.kwh)} from ${formatHour(peak.start, zone)}` : 'No readings yet'}
          </dd>
        </div>
      </dl>
      <div className="limit-meter">
        <meter
          min={0}
          max={limit}
          low={limit * 0.8}
          high={limit}
          optimum={0}
          value={Math.min(peak?.kwh ?? 0, limit)}
          aria-label={`Busiest hour against the limit: ${formatKwh(peak?.kwh ?? 0)} of ${formatKwh(limit)}`}
        />
        {overLimit ? (
          <span className="badge badge-danger" data-testid="over-limit-badge">
            Over the limit
          </span>
        ) : (
          <span className="badge">Within the limit</span>
        )}
      </div>
      <Link className="button secondary small" to={`/devices/${device.id}`}>
        Show consumption<span className="visually-hidden"> of {device.name}</span>
      </Link>
    </li>
  );
}

// One device's consumption: a day as hourly bars or a month as daily totals,
// with the date, month and time zone kept in the address so views can be
// bookmarked and shared.
import { lazy, Suspense, useEffect } from 'react';
import { Link, useParams, useSearchParams } from 'react-router-dom';
import { fetchConsumptionDay, fetchConsumptionDays, fetchDevice } from '../../api/endpoints';
import type { Device } from '../../api/types';
import { useAuth } from '../../auth/AuthContext';
import { EmptyState, ErrorState, Loading } from '../../components/States';
import { TimeZoneSelect } from '../../components/TimeZoneSelect';
import { useSocketEvent } from '../../realtime/SocketContext';
import {
  addDays,
  addMonths,
  dateInZone,
  formatKwh,
  formatLongDate,
  formatMonth,
  isValidDate,
  isValidMonth,
  isValidTimeZone,
  monthOf,
  monthRange,
  preferredTimeZone,
} from '../../util/time';
import { useAsync } from '../../util/useAsync';

const DayChart = lazy(() => import('./DayChart').then((module) => ({ default: module.DayChart })));
const MonthChart = lazy(() => import('./MonthChart').then((module) => ({ default: module.MonthChart })));

// How often a view that includes the current hour reloads, so new readings show up.
const LIVE_REFRESH_MS = 60_000;

type View = 'day' | 'month';

export function DeviceConsumptionPage() {
  const { deviceId = '' } = useParams();
  const { user } = useAuth();
  const [params, setParams] = useSearchParams();

  const tzParam = params.get('tz');
  const zone = tzParam && isValidTimeZone(tzParam) ? tzParam : preferredTimeZone(user?.timezone);
  const today = dateInZone(zone);
  const dateParam = params.get('date');
  const date = isValidDate(dateParam) ? dateParam : today;
  const monthParam = params.get('month');
  const month = isValidMonth(monthParam) ? monthParam : monthOf(date);
  const view: View = params.get('view') === 'month' ? 'month' : 'day';

  function update(changes: Record<string, string>) {
    const next = new URLSearchParams(params);
    for (const [key, value] of Object.entries(changes)) next.set(key, value);
    setParams(next, { replace: true });
  }

  const device = useAsync((signal) => fetchDevice(deviceId, signal), [deviceId]);

  return (
    <section className="page" aria-labelledby="consumption-title">
      <p>
        <Link to="/devices">← Back to devices</Link>
      </p>
      <h1 id="consumption-title" data-testid="device-title">
        {device.data ? device.data.name : 'Device consumption'}
      </h1>
      {device.error ? <ErrorState error={device.error} onRetry={device.reload} /> : null}
      {device.data && <DeviceFacts device={device.data} />}

      <div className="toolbar" role="group" aria-label="View">
        <button
          type="button"
          className="button secondary"
          aria-pressed={view === 'day'}
          onClick={() => update({ view: 'day' })}
          data-testid="view-day"
        >
          Day
        </button>
        <button
          type="button"
          className="button secondary"
          aria-pressed={view === 'month'}
          onClick={() => update({ view: 'month', month })}
          data-testid="view-month"
        >
          Month
        </button>
      </div>

      <div className="toolbar">
        {view === 'day' ? (
          <DayPicker date={date} today={today} onChange={(value) => update({ date: value })} />
        ) : (
          <MonthPicker month={month} onChange={(value) => update({ month: value })} />
        )}
        <div className="toolbar-field">
          <TimeZoneSelect value={zone} onChange={(value) => update({ tz: value })} />
        </div>
      </div>

      {view === 'day' ? (
        <DayView deviceId={deviceId} date={date} zone={zone} isToday={date === today} />
      ) : (
        <MonthView
          deviceId={deviceId}
          month={month}
          zone={zone}
          includesToday={monthOf(today) === month}
          onSelectDay={(value) => update({ view: 'day', date: value })}
        />
      )}
    </section>
  );
}

function DeviceFacts({ device }: { device: Device }) {
  return (
    <dl className="facts">
      <div>
        <dt>Hourly limit</dt>
        <dd data-testid="device-limit">{formatKwh(device.max_hourly_kwh)}</dd>
      </div>
      {device.location && (
        <div>
          <dt>Location</dt>
          <dd>{device.location}</dd>
        </div>
      )}
      {device.description && (
        <div>
          <dt>Description</dt>
          <dd>{device.description}</dd>
        </div>
      )}
    </dl>
  );
}

function DayPicker({ date, today, onChange }: { date: string; today: string; onChange: (date: string) => void }) {
  return (
    <div className="date-picker" role="group" aria-label="Day">
      <button type="button" className="button secondary" onClick={() => onChange(addDays(date, -1))} data-testid="prev-day">
        ← Previous day
      </button>
      <label className="inline-field">
        <span className="visually-hidden">Date</span>
        <input
          type="date"
          value={date}
          onChange={(event) => isValidDate(event.target.value) && onChange(event.target.value)}
          data-testid="date-input"
        />
      </label>
      <button type="button" className="button secondary" onClick={() => onChange(addDays(date, 1))} data-testid="next-day">
        Next day →
      </button>
      <button type="button" className="button secondary" onClick={() => onChange(today)} disabled={date === today}>
        Today
      </button>
    </div>
  );
}

function MonthPicker({ month, onChange }: { month: string; onChange: (month: string) => void }) {
  return (
    <div className="date-picker" role="group" aria-label="Month">
      <button type="button" className="button secondary" onClick={() => onChange(addMonths(month, -1))} data-testid="prev-month">
        ← Previous month
      </button>
      <label className="inline-field">
        <span className="visually-hidden">Month</span>
        <input
          type="month"
          value={month}
          onChange={(event) => isValidMonth(event.target.value) && onChange(event.target.value)}
          data-testid="month-input"
        />
      </label>
      <button type="button" className="button secondary" onClick={() => onChange(addMonths(month, 1))} data-testid="next-month">
        Next month →
      </button>
    </div>
  );
}

/** Reloads `reload` every minute while `live`, and at once when an alert for the device arrives. */
function useLiveReload(deviceId: string, live: boolean, reload: () => void) {
  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(reload, LIVE_REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [live, reload]);

  useSocketEvent<{ device_id?: string }>('overconsumption_notification', (alert) => {
    if (live && alert?.device_id === deviceId) reload();
  });
}

function DayView({ deviceId, date, zone, isToday }: { deviceId: string; date: string; zone: string; isToday: boolean }) {
  const day = useAsync((signal) => fetchConsumptionDay(deviceId, date, zone, signal), [deviceId, date, zone]);
  useLiveReload(deviceId, isToday, day.reload);

  if (day.error) return <ErrorState error={day.error} onRetry={day.reload} />;
  if (!day.data) return <Loading label="Loading the day…" />;

  const data = day.data;
  const overCount = data.hours.filter((hour) => hour.over_limit).length;
  const readings = data.hours.reduce((sum, hour) => sum + hour.readings, 0);
  return (
    <div aria-busy={day.loading}>
      <h2>{formatLongDate(data.date)}</h2>
      <p className="summary" data-testid="day-summary">
        Total <strong data-testid="day-total" data-kwh={String(data.total_kwh)}>{formatKwh(data.total_kwh)}</strong> in{' '}
        {data.hours.length} hours ({data.tz}).{' '}
        {overCount > 0 ? (
          <span className="over-limit-text">
            {overCount} {overCount === 1 ? 'hour was' : 'hours were'} over the limit of {formatKwh(data.max_hourly_kwh)}.
          </span>
        ) : (
          <>No hour was over the limit of {formatKwh(data.max_hourly_kwh)}.</>
        )}
      </p>
      {data.hours.length === 0 ? (
        <EmptyState>This day does not exist in {data.tz}: the zone skipped it.</EmptyState>
      ) : (
        <>
          {readings === 0 && <EmptyState>No readings were recorded on this day.</EmptyState>}
          <Suspense fallback={<Loading label="Loading the chart…" />}>
            <DayChart day={data} />
          </Suspense>
        </>
      )}
    </div>
  );
}

interface MonthViewProps {
  deviceId: string;
  month: string;
  zone: string;
  includesToday: boolean;
  onSelectDay: (date: string) => void;
}

function MonthView({ deviceId, month, zone, includesToday, onSelectDay }: MonthViewProps) {
  const { from, to } = monthRange(month);
  const days = useAsync((signal) => fetchConsumptionDays(deviceId, from, to, zone, signal), [deviceId, from, to, zone]);
  useLiveReload(deviceId, includesToday, days.reload);

  if (days.error) return <ErrorState error={days.error} onRetry={days.reload} />;
  if (!days.data) return <Loading label="Loading the month…" />;

  const total = days.data.days.reduce((sum, day) => sum + day.total_kwh, 0);
  return (
    <div aria-busy={days.loading}>
      <h2>{formatMonth(month)}</h2>
      <p className="summary" data-testid="month-summary">
        Total {formatKwh(total)} over {days.data.days.length} days ({days.data.tz}). Choose a day to see its hours.
      </p>
      {days.data.days.length === 0 ? (
        <EmptyState>No consumption in this month.</EmptyState>
      ) : (
        <Suspense fallback={<Loading label="Loading the chart…" />}>
          <MonthChart days={days.data} onSelectDay={onSelectDay} />
        </Suspense>
      )}
    </div>
  );
}

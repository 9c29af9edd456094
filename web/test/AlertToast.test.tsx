import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { AlertNotification } from '../src/api/types';
import { LiveAlertsProvider, useLiveAlerts } from '../src/features/alerts/LiveAlerts';
import { CLIENT, mockFetch, renderWithApp } from './helpers';

const ALERT: AlertNotification = {
  id: 'alert-1',
  device_id: 'device-1',
  owner_id: CLIENT.id,
  hour_start: '2025-03-10T13:00:00Z',
  kwh: 3.25,
  max_hourly_kwh: 2,
  raised_at: '2025-03-10T13:40:00Z',
  acknowledged_at: null,
  device_name: 'Heat pump',
};

function LiveCount() {
  const { liveAlerts } = useLiveAlerts();
  return <p data-testid="live-count">{liveAlerts.length}</p>;
}

function renderAlerts() {
  mockFetch({});
  return renderWithApp(
    <LiveAlertsProvider>
      <LiveCount />
    </LiveAlertsProvider>,
  );
}

describe('alert toast', () => {
  it('appears on overconsumption_notification', () => {
    const { socket } = renderAlerts();
    expect(screen.queryByTestId('toast')).not.toBeInTheDocument();

    act(() => socket.serverEmit('overconsumption_notification', ALERT));

    const toast = screen.getByTestId('toast');
    expect(toast).toHaveAttribute('data-kind', 'alert');
    expect(toast).toHaveTextContent('Over the limit: Heat pump');
    // CLIENT's zone is Europe/Berlin, one hour ahead of UTC in March.
    expect(toast).toHaveTextContent('3.25 kWh in the hour from 14:00 (Europe/Berlin), limit 2 kWh.');
    expect(within(toast).getByRole('link', { name: 'Show the day' })).toHaveAttribute(
      'href',
      '/devices/device-1?date=2025-03-10&tz=Europe%2FBerlin',
    );
    expect(screen.getByTestId('live-count')).toHaveTextContent('1');
  });

  it('shows a repeated alert once', () => {
    const { socket } = renderAlerts();

    act(() => socket.serverEmit('overconsumption_notification', ALERT));
    act(() => socket.serverEmit('overconsumption_notification', ALERT));

    expect(screen.getAllByTestId('toast')).toHaveLength(1);
    expect(screen.getByTestId('live-count')).toHaveTextContent('1');
  });

  it('closes with the dismiss button', async () => {
    const { socket } = renderAlerts();
    act(() => socket.serverEmit('overconsumption_notification', ALERT));

    await userEvent.setup().click(screen.getByRole('button', { name: 'Dismiss notification' }));

    expect(screen.queryByTestId('toast')).not.toBeInTheDocument();
  });

  it('unsubscribes on unmount', () => {
    const { socket, unmount } = renderAlerts();
    expect(socket.listenerCount('overconsumption_notification')).toBe(1);

    unmount();

    expect(socket.listenerCount('overconsumption_notification')).toBe(0);
  });
});

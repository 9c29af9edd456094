import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { ConsumptionDay, Device } from '../src/api/types';
import { DeviceConsumptionPage } from '../src/features/consumption/DeviceConsumptionPage';
import { CLIENT, json, mockFetch, renderWithApp, type RecordedRequest } from './helpers';

const DEVICE: Device = {
  id: 'device-1',
  name: 'Heat pump',
  description: null,
  location: 'Basement',
  max_hourly_kwh: 2,
  owner_id: CLIENT.id,
  created_at: '2025-01-01T00:00:00Z',
  updated_at: '2025-01-01T00:00:00Z',
};

function dayFor(date: string, tz: string): ConsumptionDay {
  return {
    device_id: DEVICE.id,
    date,
    tz,
    unit: 'kWh',
    max_hourly_kwh: 2,
    total_kwh: 3.5,
    hours: [
      { start: `${date}T00:00:00Z`, end: `${date}T01:00:00Z`, kwh: 1, readings: 4, over_limit: false },
      { start: `${date}T01:00:00Z`, end: `${date}T02:00:00Z`, kwh: 2.5, readings: 4, over_limit: true },
    ],
  };
}

function mockConsumption() {
  return mockFetch({
    'GET /api/devices/device-1': () => json(DEVICE),
    'GET /api/devices/device-1/consumption': ({ url }) =>
      json(dayFor(url.searchParams.get('date')!, url.searchParams.get('tz')!)),
    'GET /api/devices/device-1/consumption/days': ({ url }) =>
      json({
        device_id: DEVICE.id,
        from: url.searchParams.get('from'),
        to: url.searchParams.get('to'),
        tz: url.searchParams.get('tz'),
        unit: 'kWh',
        days: [
          { date: '2025-03-01', total_kwh: 10.5 },
          { date: '2025-03-02', total_kwh: 0 },
        ],
      }),
  });
}

function dayRequests(requests: RecordedRequest[]): URLSearchParams[] {
  return requests.filter((request) => request.url.pathname.endsWith('/consumption')).map((request) => request.url.searchParams);
}

function renderPage(route: string) {
  return renderWithApp(<DeviceConsumptionPage />, { path: '/devices/:deviceId', route });
}

describe('DeviceConsumptionPage', () => {
  it('loads the day and zone from the address', async () => {
    const requests = mockConsumption();
    renderPage('/devices/device-1?date=2025-03-10&tz=Asia%2FKolkata');

    await waitFor(() => expect(screen.getAllByTestId('hour-bar')).toHaveLength(2));
    expect(dayRequests(requests)[0].get('date')).toBe('2025-03-10');
    expect(dayRequests(requests)[0].get('tz')).toBe('Asia/Kolkata');
    expect(screen.getByTestId('timezone-select')).toHaveValue('Asia/Kolkata');
    expect(screen.getByTestId('day-total')).toHaveAttribute('data-kwh', '3.5');
    expect(screen.getByTestId('device-title')).toHaveTextContent('Heat pump');
  });

  it("starts in the user's saved zone", async () => {
    const requests = mockConsumption();
    renderPage('/devices/device-1?date=2025-03-10');

    await waitFor(() => expect(dayRequests(requests)).toHaveLength(1));
    expect(dayRequests(requests)[0].get('tz')).toBe('Europe/Berlin');
  });

  it('steps to the previous and next day', async () => {
    const requests = mockConsumption();
    renderPage('/devices/device-1?date=2025-03-01&tz=UTC');
    const user = userEvent.setup();
    await screen.findAllByTestId('hour-bar');

    await user.click(screen.getByTestId('prev-day'));
    await waitFor(() => expect(dayRequests(requests).at(-1)?.get('date')).toBe('2025-02-28'));

    await user.click(screen.getByTestId('next-day'));
    await user.click(screen.getByTestId('next-day'));
    await waitFor(() => expect(dayRequests(requests).at(-1)?.get('date')).toBe('2025-03-02'));
    expect(screen.getByTestId('date-input')).toHaveValue('2025-03-02');
  });

  it('reloads in a new zone', async () => {
    const requests = mockConsumption();
    renderPage('/devices/device-1?date=2025-03-10&tz=UTC');
    await screen.findAllByTestId('hour-bar');

    await userEvent.setup().selectOptions(screen.getByTestId('timezone-select'), 'America/New_York');

    await waitFor(() => expect(dayRequests(requests).at(-1)?.get('tz')).toBe('America/New_York'));
  });

  it('shows the month of daily totals', async () => {
    const requests = mockConsumption();
    renderPage('/devices/device-1?date=2025-03-10&tz=UTC&view=month');

    await waitFor(() => expect(screen.getAllByTestId('day-bar')).toHaveLength(2));
    const monthRequest = requests.find((request) => request.url.pathname.endsWith('/days'))!;
    expect(monthRequest.url.searchParams.get('from')).toBe('2025-03-01');
    expect(monthRequest.url.searchParams.get('to')).toBe('2025-03-31');
    expect(screen.getAllByTestId('day-bar')[0]).toHaveAttribute('data-kwh', '10.5');
  });

  it('shows an error with a retry', async () => {
    mockFetch({
      'GET /api/devices/device-1': () => json(DEVICE),
      'GET /api/devices/device-1/consumption': () =>
        new Response(JSON.stringify({ title: 'Bad Request', status: 400, detail: 'Unknown time zone.' }), {
          status: 400,
          headers: { 'Content-Type': 'application/problem+json' },
        }),
    });
    renderPage('/devices/device-1?date=2025-03-10&tz=UTC');

    expect(await screen.findByTestId('error-state')).toHaveTextContent('Unknown time zone.');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});

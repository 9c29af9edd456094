import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import type { ConsumptionDay } from '../src/api/types';
import { BAR_COLOR, DayChart, hourData, niceCeiling, OVER_LIMIT_COLOR } from '../src/features/consumption/DayChart';

/** Builds a consumption day from kWh per hour, marking hours above `limit` as over it. */
function makeDay(kwhPerHour: number[], limit: number, tz = 'UTC', firstStart = '2025-03-10T00:00:00Z'): ConsumptionDay {
  const start = Date.parse(firstStart);
  const hours = kwhPerHour.map((kwh, index) => ({
    start: new Date(start + index * 3_600_000).toISOString(),
    end: new Date(start + (index + 1) * 3_600_000).toISOString(),
    kwh,
    readings: kwh > 0 ? 4 : 0,
    over_limit: kwh > limit,
  }));
  return {
    device_id: 'd1',
    date: firstStart.slice(0, 10),
    tz,
    unit: 'kWh',
    max_hourly_kwh: limit,
    total_kwh: kwhPerHour.reduce((sum, kwh) => sum + kwh, 0),
    hours,
  };
}

function bars(): HTMLElement[] {
  return screen.getAllByTestId('hour-bar');
}

describe('DayChart', () => {
  const kwh = [0, 0.25, 1.123456, 2.5, 2.000001, 2, 0.000001, 3.75, ...Array<number>(16).fill(0.5)];

  it('draws one bar per hour with exact kWh', () => {
    render(<DayChart day={makeDay(kwh, 2)} />);

    expect(bars()).toHaveLength(24);
    bars().forEach((bar, index) => {
      expect(bar).toHaveAttribute('data-hour-index', String(index));
      expect(Number(bar.getAttribute('data-kwh'))).toBe(kwh[index]);
    });
    expect(bars()[2]).toHaveAttribute('data-kwh', '1.123456');
    expect(bars()[6]).toHaveAttribute('data-kwh', '0.000001');
    expect(screen.getByTestId('day-chart')).toHaveAttribute('data-hour-count', '24');
  });

  it('marks over-limit hours in their own colour', () => {
    render(<DayChart day={makeDay(kwh, 2)} />);

    const over = bars().filter((bar) => bar.getAttribute('data-over-limit') === 'true');
    expect(over.map((bar) => bar.getAttribute('data-hour-index'))).toEqual(['3', '4', '7']);
    for (const bar of over) expect(bar).toHaveAttribute('fill', OVER_LIMIT_COLOR);
    // Equal to the limit is not above it.
    expect(bars()[5]).toHaveAttribute('data-over-limit', 'false');
    expect(bars()[5]).toHaveAttribute('fill', BAR_COLOR);
    expect(screen.getByText(/Over the limit \(3 hours\)/)).toBeInTheDocument();
  });

  it('draws the limit line', () => {
    render(<DayChart day={makeDay(kwh, 2)} />);

    const line = screen.getByTestId('limit-line');
    expect(line.tagName.toLowerCase()).toBe('line');
    expect(line).toHaveAttribute('data-kwh', '2');
    expect(screen.getByText('Hourly limit,', { exact: false })).toHaveTextContent('2 kWh');
  });

  it('shows the limit line above every bar', () => {
    render(<DayChart day={makeDay([0.1, 0.2, 0.3], 5)} />);

    const line = screen.getByTestId('limit-line');
    const lineY = Number(line.getAttribute('y1'));
    for (const bar of bars()) expect(Number(bar.getAttribute('y'))).toBeGreaterThan(lineY);
  });

  it('follows the hours of a 25-hour day', () => {
    // 26 October 2025 in Berlin: clocks go back at 03:00 CEST, so 02:00 comes twice.
    const day = makeDay(Array<number>(25).fill(1), 2, 'Europe/Berlin', '2025-10-25T22:00:00Z');
    render(<DayChart day={day} />);

    expect(bars()).toHaveLength(25);
    const labels = hourData(day).map((datum) => datum.label);
    expect(labels[0]).toBe('00:00');
    expect(labels[2]).toBe('02:00 GMT+2');
    expect(labels[3]).toBe('02:00 GMT+1');
    expect(labels[24]).toBe('23:00');
  });

  it('lists every hour in the table', () => {
    render(<DayChart day={makeDay([1.5, 2.5], 2)} />);

    const rows = screen.getByTestId('hour-table').querySelectorAll('tbody tr');
    expect(rows).toHaveLength(2);
    expect(rows[1]).toHaveTextContent('2.5');
    expect(rows[1]).toHaveTextContent('Yes');
  });
});

describe('niceCeiling', () => {
  it('rounds up to round axis maxima', () => {
    expect(niceCeiling(3.41)).toBe(4);
    expect(niceCeiling(2)).toBe(2);
    expect(niceCeiling(0.0021)).toBeCloseTo(0.0025);
    expect(niceCeiling(0)).toBe(1);
  });
});

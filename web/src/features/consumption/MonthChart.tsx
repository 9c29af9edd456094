// Daily totals of one device over a month; a bar opens that day's hours.
import { useRef } from 'react';
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConsumptionDays } from '../../api/types';
import { formatKwh, formatLongDate } from '../../util/time';
import { useElementWidth } from '../../util/useElementWidth';
import { BAR_COLOR } from './DayChart';

interface DayDatum {
  index: number;
  date: string;
  label: string;
  kwh: number;
}

interface DayBarProps {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  payload?: DayDatum;
  onSelect: (date: string) => void;
}

function DayBar({ x = 0, y = 0, width = 0, height = 0, payload, onSelect }: DayBarProps) {
  if (!payload) return <g />;
  return (
    <rect
      x={x}
      y={y}
      width={Math.max(0, width)}
      height={Math.max(0, height)}
      fill={BAR_COLOR}
      className="bar bar-clickable"
      data-testid="day-bar"
      data-date={payload.date}
      data-kwh={String(payload.kwh)}
      onClick={() => onSelect(payload.date)}
    >
      <title>{`${formatLongDate(payload.date)}: ${formatKwh(payload.kwh)}`}</title>
    </rect>
  );
}

function DayTooltip({ active, payload }: { active?: boolean; payload?: { payload: DayDatum }[] }) {
  const datum = active ? payload?.[0]?.payload : undefined;
  if (!datum) return null;
  return (
    <div className="chart-tooltip">
      <strong>{formatLongDate(datum.date)}</strong>
      <div>{formatKwh(datum.kwh)}</div>
    </div>
  );
}

interface MonthChartProps {
  days: ConsumptionDays;
  onSelectDay: (date: string) => void;
}

export function MonthChart({ days, onSelectDay }: MonthChartProps) {
  const frameRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(frameRef, 720);
  const data: DayDatum[] = days.days.map((day, index) => ({
    index,
    date: day.date,
    label: String(Number(day.date.slice(8, 10))),
    kwh: day.total_kwh,
  }));

  return (
    <figure className="chart" data-testid="month-chart" data-day-count={data.length}>
      <div ref={frameRef} className="chart-frame">
        <BarChart width={width} height={280} data={data} margin={{ top: 16, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" interval="preserveStartEnd" minTickGap={4} />
          <YAxis unit=" kWh" width={80} tickFormatter={(value: number) => `${Number(value.toFixed(3))}`} />
          <Tooltip content={<DayTooltip />} cursor={{ fill: 'rgba(37, 99, 235, 0.08)' }} />
          <Bar dataKey="kwh" isAnimationActive={false} shape={(props: Omit<DayBarProps, 'onSelect'>) => <DayBar {...props} onSelect={onSelectDay} />} />
        </BarChart>
      </div>
      <details className="chart-table">
        <summary>Show the days as a table</summary>
        <table data-testid="day-table">
          <thead>
            <tr>
              <th scope="col">Date</th>
              <th scope="col">kWh</th>
            </tr>
          </thead>
          <tbody>
            {data.map((datum) => (
              <tr key={datum.date}>
                <th scope="row">
                  <button type="button" className="link-button" onClick={() => onSelectDay(datum.date)}>
                    {formatLongDate(datum.date)}
                  </button>
                </th>
                <td>{datum.kwh}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

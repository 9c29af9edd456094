// Hourly consumption of one device and day: one bar per local hour, bars
// above the device's limit in a distinct colour, and the limit as a line.
import { useRef } from 'react';
import { Bar, BarChart, CartesianGrid, ReferenceLine, Tooltip, XAxis, YAxis } from 'recharts';
import type { ConsumptionDay } from '../../api/types';
import { formatHour, formatKwh, formatOffset } from '../../util/time';
import { useElementWidth } from '../../util/useElementWidth';

export const BAR_COLOR = '#2563eb';
export const OVER_LIMIT_COLOR = '#dc2626';
export const LIMIT_LINE_COLOR = '#b45309';

const CHART_HEIGHT = 320;

interface HourDatum {
  index: number;
  label: string;
  start: string;
  end: string;
  kwh: number;
  readings: number;
  overLimit: boolean;
}

/** Labels each hour by its local start time, adding the UTC offset where a DST change repeats an hour. */
export function hourData(day: ConsumptionDay): HourDatum[] {
  const labels = day.hours.map((hour) => formatHour(hour.start, day.tz));
  return day.hours.map((hour, index) => {
    const repeated = labels.indexOf(labels[index]) !== labels.lastIndexOf(labels[index]);
    return {
      index,
      label: repeated ? `${labels[index]} ${formatOffset(hour.start, day.tz)}` : labels[index],
      start: hour.start,
      end: hour.end,
      kwh: hour.kwh,
      readings: hour.readings,
      overLimit: hour.over_limit,
    };
  });
}

/** Rounds up to 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten, so the axis gets round ticks. */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((factor) => value <= factor * magnitude + 1e-12) ?? 10;
  return step * magnitude;
}

interface BarShapeProps {
  x?: number;
  y?: number;
  width?: number;
  height?: number;
  payload?: HourDatum;
}

function HourBar({ x = 0, y = 0, width = 0, height = 0, payload }: BarShapeProps) {
  if (!payload) return <g />;
  return (
    <rect
      x={x}
      y={y}
      width={Math.max(0, width)}
      height={Math.max(0, height)}
      fill={payload.overLimit ? OVER_LIMIT_COLOR : BAR_COLOR}
      data-testid="hour-bar"
      data-hour-index={payload.index}
      data-kwh={String(payload.kwh)}
      data-start={payload.start}
      data-over-limit={String(payload.overLimit)}
      className={payload.overLimit ? 'bar bar-over-limit' : 'bar'}
    >
      <title>
        {`${payload.label}: ${formatKwh(payload.kwh)}${payload.overLimit ? ' (over the limit)' : ''}`}
      </title>
    </rect>
  );
}

interface LineShapeProps {
  x1?: number;
  x2?: number;
  y1?: number;
  y2?: number;
}

function limitLineShape(limit: number) {
  return function LimitLine({ x1 = 0, x2 = 0, y1 = 0, y2 = 0 }: LineShapeProps) {
    return (
      <line
        x1={x1}
        x2={x2}
        y1={y1}
        y2={y2}
        stroke={LIMIT_LINE_COLOR}
        strokeWidth={2}
        strokeDasharray="6 4"
        data-testid="limit-line"
        data-kwh={String(limit)}
      />
    );
  };
}

function HourTooltip({ active, payload }: { active?: boolean; payload?: { payload: HourDatum }[] }) {
  const datum = active ? payload?.[0]?.payload : undefined;
  if (!datum) return null;
  return (
    <div className="chart-tooltip">
      <strong>{datum.label}</strong>
      <div>{formatKwh(datum.kwh)}</div>
      <div>{datum.readings} readings</div>
      {datum.overLimit && <div className="over-limit-text">Over the limit</div>}
    </div>
  );
}

export function DayChart({ day }: { day: ConsumptionDay }) {
  const frameRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(frameRef, 720);
  const data = hourData(day);
  const maxKwh = Math.max(day.max_hourly_kwh, ...data.map((datum) => datum.kwh), 0);
  const overCount = data.filter((datum) => datum.overLimit).length;

  return (
    <figure className="chart" data-testid="day-chart" data-hour-count={data.length} data-total-kwh={String(day.total_kwh)}>
      <div ref={frameRef} className="chart-frame">
        <BarChart width={width} height={CHART_HEIGHT} data={data} margin={{ top: 16, right: 16, bottom: 8, left: 8 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} />
          <XAxis dataKey="label" interval="preserveStartEnd" minTickGap={8} />
          <YAxis
            domain={[0, niceCeiling(maxKwh * 1.05)]}
            tickCount={5}
            tickFormatter={(value: number) => `${Number(value.toFixed(3))}`}
            unit=" kWh"
            width={80}
          />
          <Tooltip content={<HourTooltip />} cursor={{ fill: 'rgba(37, 99, 235, 0.08)' }} />
          <Bar dataKey="kwh" isAnimationActive={false} shape={(props: BarShapeProps) => <HourBar {...props} />} />
          <ReferenceLine
            y={day.max_hourly_kwh}
            ifOverflow="extendDomain"
            shape={limitLineShape(day.max_hourly_kwh)}
          />
        </BarChart>
      </div>
      <figcaption className="chart-legend">
        <span>
          <span className="swatch" style={{ background: BAR_COLOR }} aria-hidden="true" /> Within the limit
        </span>
        <span>
          <span className="swatch" style={{ background: OVER_LIMIT_COLOR }} aria-hidden="true" /> Over the limit ({overCount}{' '}
          {overCount === 1 ? 'hour' : 'hours'})
        </span>
        <span>
          <span className="swatch swatch-line" style={{ borderColor: LIMIT_LINE_COLOR }} aria-hidden="true" /> Hourly limit,{' '}
          {formatKwh(day.max_hourly_kwh)}
        </span>
      </figcaption>
      <details className="chart-table">
        <summary>Show the hours as a table</summary>
        <table data-testid="hour-table">
          <caption className="visually-hidden">Consumption per hour on {day.date} ({day.tz})</caption>
          <thead>
            <tr>
              <th scope="col">Hour</th>
              <th scope="col">kWh</th>
              <th scope="col">Readings</th>
              <th scope="col">Over the limit</th>
            </tr>
          </thead>
          <tbody>
            {data.map((datum) => (
              <tr key={datum.start} className={datum.overLimit ? 'row-over-limit' : undefined}>
                <th scope="row">{datum.label}</th>
                <td>{datum.kwh}</td>
                <td>{datum.readings}</td>
                <td>{datum.overLimit ? 'Yes' : 'No'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

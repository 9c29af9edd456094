// Calendar and time-zone helpers. Calendar dates are `YYYY-MM-DD` strings
// and months `YYYY-MM`, so they never shift with the browser's zone.

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH_PATTERN = /^(\d{4})-(\d{2})$/;

export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

let cachedZones: string[] | null = null;

/** IANA zones the browser supports, plus UTC and the browser's own zone. */
export function supportedTimeZones(): string[] {
  if (cachedZones) return cachedZones;
  let zones: string[] = [];
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] };
  try {
    zones = intl.supportedValuesOf ? intl.supportedValuesOf('timeZone') : [];
  } catch {
    zones = [];
  }
  const all = new Set(zones);
  all.add('UTC');
  all.add(browserTimeZone());
  cachedZones = [...all].sort();
  return cachedZones;
}

/** Returns the saved zone when it is a valid IANA name, else the browser's. */
export function preferredTimeZone(saved: string | null | undefined): string {
  if (saved && isValidTimeZone(saved)) return saved;
  return browserTimeZone();
}

export function isValidDate(value: string | null | undefined): value is string {
  const match = value ? DATE_PATTERN.exec(value) : null;
  if (!match) return false;
  const [, year, month, day] = match.map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export function isValidMonth(value: string | null | undefined): value is string {
  const match = value ? MONTH_PATTERN.exec(value) : null;
  return !!match && Number(match[2]) >= 1 && Number(match[2]) <= 12;
}

/** Calendar date of `instant` in `zone`. */
export function dateInZone(zone: string, instant: Date = new Date()): string {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('year')}-${part('month')}-${part('day')}`;
}

function toUtcDate(date: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day));
}

function formatUtcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function addDays(date: string, days: number): string {
  const value = toUtcDate(date);
  value.setUTCDate(value.getUTCDate() + days);
  return formatUtcDate(value);
}

export function monthOf(date: string): string {
  return date.slice(0, 7);
}

export function addMonths(month: string, months: number): string {
  const [year, monthNumber] = month.split('-').map(Number);
  const value = new Date(Date.UTC(year, monthNumber - 1 + months, 1));
  return formatUtcDate(value).slice(0, 7);
}

/** First and last calendar date of a `YYYY-MM` month. */
export function monthRange(month: string): { from: string; to: string } {
  const from = `${month}-01`;
  const to = addDays(`${addMonths(month, 1)}-01`, -1);
  return { from, to };
}

/** Local wall-clock time `HH:mm` of an instant in `zone`. */
export function formatHour(instant: string, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(instant));
}

/** UTC offset of an instant in `zone`, such as `GMT+2`, for telling apart repeated hours on DST days. */
export function formatOffset(instant: string, zone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'shortOffset' }).formatToParts(
    new Date(instant),
  );
  return parts.find((p) => p.type === 'timeZoneName')?.value ?? '';
}

export function formatDateTime(instant: string, zone?: string): string {
  return new Intl.DateTimeFormat(undefined, {
    timeZone: zone,
    dateStyle: 'medium',
    timeStyle: 'short',
  }).format(new Date(instant));
}

export function formatTime(instant: string, zone?: string): string {
  return new Intl.DateTimeFormat(undefined, { timeZone: zone, timeStyle: 'short' }).format(new Date(instant));
}

export function formatLongDate(date: string): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeZone: 'UTC' }).format(toUtcDate(date));
}

export function formatMonth(month: string): string {
  return new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    toUtcDate(`${month}-01`),
  );
}

/** kWh with up to three decimals, the precision a person reads on a meter. */
export function formatKwh(kwh: number): string {
  return `${kwh.toLocaleString(undefined, { maximumFractionDigits: 3 })} kWh`;
}

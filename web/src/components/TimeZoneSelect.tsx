import { supportedTimeZones } from '../util/time';
import { SelectField } from './FormField';

interface TimeZoneSelectProps {
  value: string;
  onChange: (zone: string) => void;
  label?: string;
  name?: string;
  error?: string;
  /** Adds an empty choice labelled with this text, for "no saved zone". */
  emptyLabel?: string;
}

/** Picker over every IANA zone the browser supports (Intl.supportedValuesOf). */
export function TimeZoneSelect({ value, onChange, label = 'Time zone', name = 'timezone', error, emptyLabel }: TimeZoneSelectProps) {
  const zones = supportedTimeZones();
  const options = value && !zones.includes(value) ? [value, ...zones] : zones;
  return (
    <SelectField
      label={label}
      name={name}
      value={value}
      onChange={(event) => onChange(event.target.value)}
      error={error}
      data-testid="timezone-select"
    >
      {emptyLabel !== undefined && <option value="">{emptyLabel}</option>}
      {options.map((zone) => (
        <option key={zone} value={zone}>
          {zone.replaceAll('_', ' ')}
        </option>
      ))}
    </SelectField>
  );
}

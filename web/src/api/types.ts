// Shapes of the DMS HTTP API. The backend may add fields but never renames
// these, so the dashboard reads only what is listed here.

export type Role = 'admin' | 'client';

export interface User {
  id: string;
  username: string;
  email: string;
  role: Role;
  timezone: string | null;
  created_at: string;
  updated_at: string;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  /** Lifetime of the access token in seconds. */
  expires_in: number;
  user: User;
}

export interface Page<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
}

export interface Device {
  id: string;
  name: string;
  description: string | null;
  location: string | null;
  max_hourly_kwh: number;
  owner_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface ConsumptionHour {
  /** Start of the local hour, RFC 3339 in UTC. */
  start: string;
  end: string;
  kwh: number;
  readings: number;
  over_limit: boolean;
}

export interface ConsumptionDay {
  device_id: string;
  date: string;
  tz: string;
  unit: 'kWh';
  max_hourly_kwh: number;
  total_kwh: number;
  hours: ConsumptionHour[];
}

export interface ConsumptionDays {
  device_id: string;
  from: string;
  to: string;
  tz: string;
  unit: 'kWh';
  days: { date: string; total_kwh: number }[];
}

export interface DeviceDaySummary {
  device_id: string;
  name: string;
  max_hourly_kwh: number;
  total_kwh: number;
  peak_hour: { start: string; kwh: number } | null;
}

export interface ConsumptionOverview {
  date: string;
  tz: string;
  devices: DeviceDaySummary[];
}

export interface Alert {
  id: string;
  device_id: string;
  owner_id: string | null;
  hour_start: string;
  kwh: number;
  max_hourly_kwh: number;
  raised_at: string;
  acknowledged_at: string | null;
}

/** Payload of the `overconsumption_notification` socket event. */
export interface AlertNotification extends Alert {
  device_name: string;
}

export type SenderKind = 'client' | 'admin' | 'bot' | 'ai' | 'system';

export interface ChatSession {
  id: string;
  client_id: string;
  admin_id: string | null;
  status: 'open' | 'closed';
  needs_human: boolean;
  created_at: string;
  last_activity_at: string;
  unread: number;
}

export interface ChatMessage {
  id: string;
  session_id: string;
  sender_id: string | null;
  sender_kind: SenderKind;
  body: string;
  created_at: string;
  read_at: string | null;
}

export interface ChatMessagePage {
  items: ChatMessage[];
  next_cursor: string | null;
}

export interface AdminSummary {
  id: string;
  username: string;
}

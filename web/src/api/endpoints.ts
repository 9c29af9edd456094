// One typed function per API route the dashboard calls.
import { request } from './client';
import type {
  AdminSummary,
  Alert,
  ChatMessage,
  ChatMessagePage,
  ChatSession,
  ConsumptionDay,
  ConsumptionDays,
  ConsumptionOverview,
  Device,
  Page,
  Role,
  TokenResponse,
  User,
} from './types';

const id = encodeURIComponent;

// ---------------------------------------------------------------- auth

export function login(loginName: string, password: string): Promise<TokenResponse> {
  return request('POST', '/api/auth/login', { body: { login: loginName, password } });
}

export function register(input: { username: string; email: string; password: string }): Promise<TokenResponse> {
  return request('POST', '/api/auth/register', { body: input });
}

export function fetchCurrentUser(signal?: AbortSignal): Promise<User> {
  return request('GET', '/api/auth/me', { signal });
}

/** Changes the signed-in user's password. The response may carry a fresh token. */
export function changePassword(currentPassword: string, newPassword: string): Promise<Partial<TokenResponse> | undefined> {
  return request('POST', '/api/auth/password', {
    body: { current_password: currentPassword, new_password: newPassword },
  });
}

// ---------------------------------------------------------------- users

export interface UserQuery {
  role?: Role | '';
  q?: string;
  page?: number;
  per_page?: number;
}

export function listUsers(query: UserQuery, signal?: AbortSignal): Promise<Page<User>> {
  return request('GET', '/api/users', { query: { ...query }, signal });
}

export interface UserCreate {
  username: string;
  email: string;
  password: string;
  role: Role;
  timezone?: string;
}

export function createUser(input: UserCreate): Promise<User> {
  return request('POST', '/api/users', { body: input });
}

export function fetchUser(userId: string, signal?: AbortSignal): Promise<User> {
  return request('GET', `/api/users/${id(userId)}`, { signal });
}

export interface UserPatch {
  email?: string;
  role?: Role;
  timezone?: string | null;
  password?: string;
}

export function updateUser(userId: string, patch: UserPatch): Promise<User> {
  return request('PATCH', `/api/users/${id(userId)}`, { body: patch });
}

export function deleteUser(userId: string): Promise<void> {
  return request('DELETE', `/api/users/${id(userId)}`);
}

export function fetchMyProfile(signal?: AbortSignal): Promise<User> {
  return request('GET', '/api/users/me', { signal });
}

export function updateMyProfile(patch: { email?: string; timezone?: string | null }): Promise<User> {
  return request('PATCH', '/api/users/me', { body: patch });
}

export function listAdmins(signal?: AbortSignal): Promise<AdminSummary[]> {
  return request('GET', '/api/admins', { signal });
}

// ---------------------------------------------------------------- devices

export function listDevices(
  query: { owner_id?: string; page?: number; per_page?: number },
  signal?: AbortSignal,
): Promise<Page<Device>> {
  return request('GET', '/api/devices', { query, signal });
}

export interface DeviceInput {
  name: string;
  description?: string | null;
  location?: string | null;
  max_hourly_kwh: number;
  owner_id?: string | null;
}

export function createDevice(input: DeviceInput): Promise<Device> {
  return request('POST', '/api/devices', { body: input });
}

export function fetchDevice(deviceId: string, signal?: AbortSignal): Promise<Device> {
  return request('GET', `/api/devices/${id(deviceId)}`, { signal });
}

export function updateDevice(deviceId: string, patch: Partial<Omit<DeviceInput, 'owner_id'>>): Promise<Device> {
  return request('PATCH', `/api/devices/${id(deviceId)}`, { body: patch });
}

export function deleteDevice(deviceId: string): Promise<void> {
  return request('DELETE', `/api/devices/${id(deviceId)}`);
}

export function assignDeviceOwner(deviceId: string, ownerId: string | null): Promise<Device> {
  return request('PUT', `/api/devices/${id(deviceId)}/owner`, { body: { owner_id: ownerId } });
}

// ---------------------------------------------------------------- consumption

export function fetchConsumptionDay(
  deviceId: string,
  date: string,
  tz: string,
  signal?: AbortSignal,
): Promise<ConsumptionDay> {
  return request('GET', `/api/devices/${id(deviceId)}/consumption`, { query: { date, tz }, signal });
}

export function fetchConsumptionDays(
  deviceId: string,
  from: string,
  to: string,
  tz: string,
  signal?: AbortSignal,
): Promise<ConsumptionDays> {
  return request('GET', `/api/devices/${id(deviceId)}/consumption/days`, { query: { from, to, tz }, signal });
}

export function fetchConsumptionOverview(
  query: { date: string; tz: string; owner_id?: string },
  signal?: AbortSignal,
): Promise<ConsumptionOverview> {
  return request('GET', '/api/consumption', { query, signal });
}

// ---------------------------------------------------------------- alerts

export interface AlertQuery {
  device_id?: string;
  from?: string;
  to?: string;
  acknowledged?: boolean;
  page?: number;
  per_page?: number;
}

export function listAlerts(query: AlertQuery, signal?: AbortSignal): Promise<Page<Alert>> {
  return request('GET', '/api/alerts', { query: { ...query }, signal });
}

export function acknowledgeAlert(alertId: string): Promise<Alert> {
  return request('POST', `/api/alerts/${id(alertId)}/ack`);
}

// ---------------------------------------------------------------- chat

export function createChatSession(adminId: string | null): Promise<ChatSession> {
  return request('POST', '/api/chat/sessions', { body: adminId ? { admin_id: adminId } : {} });
}

/** Lists chat sessions, accepting either a plain array or a page of sessions from the server. */
export async function listChatSessions(
  query: { status?: 'open' | 'closed'; needs_human?: boolean },
  signal?: AbortSignal,
): Promise<ChatSession[]> {
  const result = await request<ChatSession[] | Page<ChatSession>>('GET', '/api/chat/sessions', {
    query: { ...query },
    signal,
  });
  return Array.isArray(result) ? result : result.items;
}

export function listChatMessages(
  sessionId: string,
  query: { cursor?: string | null; limit?: number },
  signal?: AbortSignal,
): Promise<ChatMessagePage> {
  return request('GET', `/api/chat/sessions/${id(sessionId)}/messages`, { query: { ...query }, signal });
}

export function postChatMessage(sessionId: string, body: string, clientMsgId: string): Promise<ChatMessage> {
  return request('POST', `/api/chat/sessions/${id(sessionId)}/messages`, {
    body: { body, client_msg_id: clientMsgId },
  });
}

export function markChatRead(sessionId: string, upToMessageId: string): Promise<unknown> {
  return request('POST', `/api/chat/sessions/${id(sessionId)}/read`, { body: { up_to_message_id: upToMessageId } });
}

export function closeChatSession(sessionId: string): Promise<ChatSession> {
  return request('POST', `/api/chat/sessions/${id(sessionId)}/close`);
}

export function takeOverChatSession(sessionId: string): Promise<ChatSession> {
  return request('PUT', `/api/chat/sessions/${id(sessionId)}/admin`);
}

export function requestChatSuggestion(sessionId: string): Promise<{ suggestion: string }> {
  return request('POST', '/api/chat/assist', { body: { session_id: sessionId } });
}

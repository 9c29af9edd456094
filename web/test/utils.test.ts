import { describe, expect, it, vi } from 'vitest';
import { ApiError, configureApi, request } from '../src/api/client';
import type { ChatMessage } from '../src/api/types';
import { applyReadReceipt, mergeMessages, settlePending } from '../src/features/chat/messages';
import { describeProblem } from '../src/util/problem';
import { addDays, addMonths, dateInZone, isValidDate, monthRange } from '../src/util/time';
import { json, mockFetch, problem } from './helpers';

describe('calendar helpers', () => {
  it('steps days across months and leap days', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-03-01', -1)).toBe('2025-02-28');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
  });

  it('gives month ranges', () => {
    expect(monthRange('2024-02')).toEqual({ from: '2024-02-01', to: '2024-02-29' });
    expect(monthRange('2025-12')).toEqual({ from: '2025-12-01', to: '2025-12-31' });
    expect(addMonths('2025-01', -1)).toBe('2024-12');
  });

  it('validates dates', () => {
    expect(isValidDate('2025-02-29')).toBe(false);
    expect(isValidDate('2024-02-29')).toBe(true);
    expect(isValidDate('2024-2-9')).toBe(false);
  });

  it('finds the date in a zone', () => {
    const instant = new Date('2025-03-10T23:30:00Z');
    expect(dateInZone('UTC', instant)).toBe('2025-03-10');
    expect(dateInZone('Asia/Kathmandu', instant)).toBe('2025-03-11');
    expect(dateInZone('America/Los_Angeles', instant)).toBe('2025-03-10');
  });
});

describe('API client', () => {
  it('parses a problem with field errors', async () => {
    mockFetch({
      'POST /api/devices': () =>
        problem(422, {
          title: 'Unprocessable Entity',
          detail: 'Invalid fields.',
          errors: [{ field: 'max_hourly_kwh', message: 'Must be above 0.' }, { bad: true }],
        }),
    });

    const error = await request('POST', '/api/devices', { body: {} }).catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(ApiError);
    const apiError = error as ApiError;
    expect(apiError.status).toBe(422);
    expect(apiError.errors).toEqual([{ field: 'max_hourly_kwh', message: 'Must be above 0.' }]);
    expect(apiError.fieldMessage('max_hourly_kwh')).toBe('Must be above 0.');
    expect(describeProblem(apiError, ['name', 'max_hourly_kwh'])).toEqual({
      fields: { max_hourly_kwh: 'Must be above 0.' },
      general: [],
    });
  });

  it('calls onUnauthorized only for a request with a token', async () => {
    const onUnauthorized = vi.fn();
    mockFetch({ 'GET /api/auth/me': () => problem(401, { title: 'Unauthorized' }) });

    configureApi({ getToken: () => null, onUnauthorized });
    await expect(request('GET', '/api/auth/me')).rejects.toThrow();
    expect(onUnauthorized).not.toHaveBeenCalled();

    configureApi({ getToken: () => 'expired', onUnauthorized });
    await expect(request('GET', '/api/auth/me')).rejects.toThrow('Your session has expired. Sign in again.');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
    configureApi({ getToken: () => null, onUnauthorized: () => {} });
  });

  it('sends the bearer token and skips empty query values', async () => {
    const requests = mockFetch({ 'GET /api/users': () => json({ items: [], page: 1, per_page: 10, total: 0 }) });
    const fetchMock = vi.mocked(fetch);
    configureApi({ getToken: () => 'abc', onUnauthorized: () => {} });

    await request('GET', '/api/users', { query: { q: '', role: 'client', page: 2, x: undefined } });

    expect(requests[0].url.search).toBe('?role=client&page=2');
    const headers = fetchMock.mock.calls[0][1]?.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer abc');
    configureApi({ getToken: () => null, onUnauthorized: () => {} });
  });

  it('reports a network failure in words', async () => {
    vi.stubGlobal('fetch', vi.fn().mockRejectedValue(new TypeError('Failed to fetch')));

    await expect(request('GET', '/api/devices')).rejects.toThrow('Could not reach the server.');
  });
});

describe('chat message helpers', () => {
  const base = { session_id: 's', sender_kind: 'client' as const, read_at: null };
  const messages: ChatMessage[] = [
    { ...base, id: 'a', sender_id: 'me', body: 'one', created_at: '2025-01-01T10:00:00Z' },
    { ...base, id: 'b', sender_id: 'me', body: 'two', created_at: '2025-01-01T10:01:00Z' },
    { ...base, id: 'c', sender_id: 'me', body: 'three', created_at: '2025-01-01T10:02:00Z' },
  ];

  it('merges by id in time order', () => {
    const merged = mergeMessages([messages[2]], [messages[0], messages[1], messages[2]]);
    expect(merged.map((message) => message.id)).toEqual(['a', 'b', 'c']);
  });

  it('marks read up to the receipt', () => {
    const read = applyReadReceipt(messages, 'admin', 'b', '2025-01-01T10:05:00Z');
    expect(read.map((message) => message.read_at !== null)).toEqual([true, true, false]);
  });

  it('settles the pending copy by client_msg_id or text', () => {
    const pending = [
      { clientMsgId: 'x', body: 'two', createdAt: '', status: 'sending' as const },
      { clientMsgId: 'y', body: 'two', createdAt: '', status: 'sending' as const },
    ];
    expect(settlePending(pending, messages[1], 'me', 'y').map((item) => item.clientMsgId)).toEqual(['x']);
    expect(settlePending(pending, messages[1], 'me').map((item) => item.clientMsgId)).toEqual(['y']);
    expect(settlePending(pending, messages[1], 'someone else')).toHaveLength(2);
  });
});

// Fetch wrapper for the DMS API: adds the bearer token, decodes JSON and
// turns `application/problem+json` responses (RFC 9457) into ApiError.

export interface FieldError {
  field: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string | null;
  readonly errors: FieldError[];

  constructor(status: number, title: string, detail: string | null, errors: FieldError[] = []) {
    super(detail ?? title);
    this.name = 'ApiError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.errors = errors;
  }

  /** Message for the named field, or undefined when the field is valid. */
  fieldMessage(field: string): string | undefined {
    return this.errors.find((error) => error.field === field)?.message;
  }

  /** Messages of errors whose field is not among `shownFields`, so a form can list them apart. */
  otherMessages(shownFields: readonly string[]): string[] {
    return this.errors.filter((error) => !shownFields.includes(error.field)).map((error) => error.message);
  }
}

interface ApiSettings {
  getToken: () => string | null;
  /** Called when a request that carried a token gets a 401 response. */
  onUnauthorized: () => void;
}

let settings: ApiSettings = {
  getToken: () => null,
  onUnauthorized: () => {},
};

export function configureApi(next: ApiSettings): void {
  settings = next;
}

export type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  body?: unknown;
  signal?: AbortSignal;
}

export function buildUrl(path: string, query?: Record<string, QueryValue>): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const token = settings.getToken();
  const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';

  let response: Response;
  try {
    response = await fetch(buildUrl(path, options.query), {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiError(0, 'Network error', 'Could not reach the server. Check your connection and try again.');
  }

  // A 401 to a request without a token is a failed sign-in, not an expired session.
  if (response.status === 401 && token) {
    settings.onUnauthorized();
  }
  if (!response.ok) {
    throw await readProblem(response);
  }
  if (response.status === 204) {
    return undefined as T;
  }
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

async function readProblem(response: Response): Promise<ApiError> {
  const fallbackTitle = response.statusText || `Request failed with status ${response.status}`;
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return new ApiError(response.status, fallbackTitle, describeStatus(response.status));
  }
  if (typeof body !== 'object' || body === null) {
    return new ApiError(response.status, fallbackTitle, describeStatus(response.status));
  }
  const problem = body as { title?: unknown; detail?: unknown; errors?: unknown };
  const title = typeof problem.title === 'string' ? problem.title : fallbackTitle;
  const detail = typeof problem.detail === 'string' ? problem.detail : describeStatus(response.status);
  const errors = Array.isArray(problem.errors) ? problem.errors.filter(isFieldError) : [];
  return new ApiError(response.status, title, detail, errors);
}

function isFieldError(value: unknown): value is FieldError {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.field === 'string' && typeof candidate.message === 'string';
}

function describeStatus(status: number): string {
  if (status === 401) return 'Your session has expired. Sign in again.';
  if (status === 403) return 'You are not allowed to do this.';
  if (status === 404) return 'Not found. It may have been deleted.';
  if (status === 413) return 'The request is too large.';
  if (status >= 500) return 'The server failed to handle the request. Try again later.';
  return `The request failed with status ${status}.`;
}

/** Human-readable message for any error thrown by `request` or by code around it. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.detail ?? error.title;
  if (error instanceof Error) return error.message;
  return 'Something went wrong.';
}

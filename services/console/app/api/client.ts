/**
 * The console's only way out: the public HTTP API with the key the user pasted, so it can do
 * exactly what that key may do and nothing more. Refusals keep the API's own words (code,
 * message, field, import problems), which the views show as they are.
 */
export interface ConfProblem {
  file: string;
  line: number;
  reason: string;
}

export class ApiFailure extends Error {
  constructor(
    /** The HTTP status; 0 when the API could not be reached at all. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly problems?: readonly ConfProblem[],
  ) {
    super(message);
  }
}

export interface ApiAnswer<T> {
  status: number;
  body: T;
  /** The version an ETag names, for If-Match. */
  version?: number;
}

interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined>;
  ifMatch?: number;
  signal?: AbortSignal;
}

interface ErrorShape {
  error?: { code?: string; message?: string; field?: string };
  problems?: ConfProblem[];
}

export class ApiClient {
  constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<ApiAnswer<T>> {
    const query = Object.entries(options.query ?? {}).filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '');
    const url = `${this.base}${path}${query.length === 0 ? '' : `?${new URLSearchParams(query.map(([k, v]) => [k, String(v)])).toString()}`}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, body: options.body === undefined ? null : JSON.stringify(options.body), cache: 'no-store', credentials: 'omit', ...(options.signal === undefined ? {} : { signal: options.signal }) });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw new ApiFailure(0, 'NETWORK', `The API at ${this.base === '' ? window.location.origin : this.base} did not answer. Check that the platform is running and reachable, then try again.`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new ApiFailure(response.status, 'BAD_RESPONSE', `The API answered ${response.status} with something that is not JSON.`);
    }
    if (!response.ok) {
      const shape = (body ?? {}) as ErrorShape;
      throw new ApiFailure(response.status, shape.error?.code ?? `HTTP_${response.status}`, shape.error?.message ?? `The API answered ${response.status}.`, shape.error?.field, shape.problems);
    }
    const etag = /^(?:W\/)?"?(\d+)"?$/.exec(response.headers.get('etag') ?? '')?.[1];
    return { status: response.status, body: body as T, ...(etag === undefined ? {} : { version: Number(etag) }) };
  }

  get<T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { ...(query === undefined ? {} : { query }), ...(signal === undefined ? {} : { signal }) }).then((answer) => answer.body);
  }
}

/** A path under /v1 with each segment encoded (patterns like `_X.` and names with `+`). */
export function apiPath(...segments: string[]): string {
  return `/v1/${segments.map(encodeURIComponent).join('/')}`;
}

/**
 * The CLI's side of the control API: one request at a time with the key, JSON both ways, and
 * every failure turned into a CliError with the API's own message and the exit status a
 * script can branch on (1: refused, 2: no usable key, 3: unreachable or failing). A missing
 * or misshapen key is caught before anything is sent, and a refused one is explained
 * (api-key-source.ts).
 */
import type { ApiKeySource } from './api-key-source.ts';
import { ExitCode } from './io.ts';

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

export interface ApiReply<T> {
  status: number;
  body: T;
  headers: Headers;
}

const TIMEOUT_MS = 30_000;

export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly keys: ApiKeySource,
  ) {}

  /** The reply's body is trusted to be the API's documented shape `T` (the API validates its side). */
  async request<T = unknown>(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<ApiReply<T>> {
    const keyProblem = this.keys.problem();
    if (keyProblem !== undefined) throw new CliError(keyProblem, ExitCode.USAGE);
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    headers.authorization = `Bearer ${this.keys.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl.replace(/\/+$/, '')}${path}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      const cause = networkCause(error);
      throw new CliError(`cannot reach the API at ${this.baseUrl} (${cause}); set --api or STROWGER_API`, ExitCode.UNAVAILABLE);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      throw new CliError(`the API at ${this.baseUrl} answered ${response.status} with something that is not JSON`, ExitCode.UNAVAILABLE);
    }
    if (response.ok) return { status: response.status, body: body as T, headers: response.headers };
    throw new CliError(this.describeFailure(response.status, body), response.status >= 500 ? ExitCode.UNAVAILABLE : ExitCode.BAD_INPUT);
  }

  private describeFailure(status: number, body: unknown): string {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (status !== 401 && status !== 403) return describeFailure(status, body);
    // What the key is and where a better one comes from; the API's code stays for scripts.
    return `${this.keys.refused(status, error?.message ?? `the API answered ${status}`)} [${status}${error?.code === undefined ? '' : ` ${error.code}`}]`;
  }

  /** Every item of a paged listing. */
  async all<T>(path: string): Promise<T[]> {
    const items: T[] = [];
    let cursor: string | undefined;
    do {
      const separator = path.includes('?') ? '&' : '?';
      const page = await this.request<{ items: T[]; cursor?: string }>('GET', cursor === undefined ? path : `${path}${separator}cursor=${encodeURIComponent(cursor)}`);
      items.push(...page.body.items);
      cursor = page.body.cursor;
    } while (cursor !== undefined);
    return items;
  }
}

/** ECONNREFUSED, ENOTFOUND, a timeout...: what fetch's wrapped cause says. */
function networkCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string; errors?: Array<{ code?: string }> } }).cause;
  if ((error as Error).name === 'TimeoutError') return `no answer in ${TIMEOUT_MS / 1000} s`;
  return cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
}

function describeFailure(status: number, body: unknown): string {
  const error = (body as { error?: { code?: string; message?: string; field?: string } } | undefined)?.error;
  if (error?.message === undefined) return `the API answered ${status}`;
  const problems = (body as { problems?: Array<{ file: string; line: number; reason: string }> }).problems;
  // Import problems are already file:line lines in the message.
  if (problems !== undefined) return `${error.message}`;
  return `${error.message}${error.field === undefined || error.message.startsWith(error.field) ? '' : ` (${error.field})`} [${status} ${error.code ?? ''}]`;
}

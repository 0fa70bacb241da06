/**
 * Where the API is: config.json beside index.html, written at build (`{"apiUrl": ""}`, the
 * console's own origin, as `npm start` serves it) or at deploy (the HTTP API's URL, written by
 * the CDK console site). Read once at start.
 */
export interface ConsoleConfig {
  /** The API's base URL, without /v1; '' for the console's own origin. */
  apiUrl: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const response = await fetch('config.json', { cache: 'no-store' });
  if (!response.ok) throw new Error(`config.json answered ${response.status}`);
  const config = (await response.json()) as Partial<ConsoleConfig>;
  const apiUrl = typeof config.apiUrl === 'string' ? config.apiUrl.replace(/\/+$/, '') : undefined;
  if (apiUrl === undefined || (apiUrl !== '' && !/^https?:\/\//.test(apiUrl))) throw new Error('config.json has no usable apiUrl');
  return { apiUrl };
}

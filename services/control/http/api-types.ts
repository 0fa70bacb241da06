/** What a route handler receives and returns, independent of API Gateway's event shapes. */
export interface Principal {
  role: 'operator' | 'tenant';
  /** For tenant keys: the one tenant this key may touch. */
  tenant?: string;
  keyId: string;
}

export interface ApiRequest {
  method: string;
  path: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text for text bodies (config imports). */
  body: unknown;
  principal: Principal;
  requestId: string;
}

export interface ApiResponse {
  statusCode: number;
  body?: unknown;
  headers?: Record<string, string>;
}

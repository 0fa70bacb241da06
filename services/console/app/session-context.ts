/** The signed-in session every view reads: the API client with the key, and who the key says it is. */
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api/client.ts';
import type { Identity } from './session.ts';

export interface Session {
  api: ApiClient;
  identity: Identity;
  signOut: () => void;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('no session');
  return session;
}

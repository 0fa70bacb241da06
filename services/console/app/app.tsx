/** Signed out: the sign-in form. Signed in: the shell (header, tabs) around the routed view. */
import { useMemo, useState } from 'preact/hooks';
import { ApiClient } from './api/client.ts';
import type { ConsoleConfig } from './config.ts';
import { Shell } from './components/shell.tsx';
import { forgetKey, identityOf, savedKey, saveKey } from './session.ts';
import { SessionContext, type Session } from './session-context.ts';
import { SignIn } from './views/sign-in.tsx';
import { RoutedView } from './views/routed-view.tsx';

export function App({ config }: { config: ConsoleConfig }) {
  const [key, setKey] = useState<string | undefined>(() => {
    const saved = savedKey();
    return saved !== undefined && identityOf(saved) !== undefined ? saved : undefined;
  });
  const session = useMemo<Session | undefined>(() => {
    const identity = key === undefined ? undefined : identityOf(key);
    if (key === undefined || identity === undefined) return undefined;
    return {
      api: new ApiClient(config.apiUrl, key),
      identity,
      signOut: () => {
        forgetKey();
        setKey(undefined);
        window.location.hash = '#/';
      },
    };
  }, [key, config.apiUrl]);

  if (session === undefined) {
    return <SignIn apiUrl={config.apiUrl} onSignedIn={(accepted) => {
      saveKey(accepted);
      setKey(accepted);
    }} />;
  }
  return (
    <SessionContext.Provider value={session}>
      <Shell>
        <RoutedView />
      </Shell>
    </SessionContext.Provider>
  );
}

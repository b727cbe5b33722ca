import { ApolloProvider } from '@apollo/client/react';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { createClients, type Clients } from './lib/clients';
import { navigate, onLinkClick, useRoute } from './lib/router';
import { loadSession, saveSession, tokenExpiresAt, type Session } from './lib/session';
import { AuthScreen } from './screens/auth-screen';
import { ProjectScreen } from './screens/project-screen';
import { ProjectsScreen } from './screens/projects-screen';

interface ConsoleContext {
  session: Session | null;
  clients: Clients;
  signIn(session: Session): void;
  signOut(reason?: string): void;
}

const Ctx = createContext<ConsoleContext | null>(null);
export function useConsole(): ConsoleContext {
  return useContext(Ctx)!;
}

export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [notice, setNotice] = useState<string | null>(null);
  const [connection, setConnection] = useState<'connected' | 'reconnecting'>('connected');
  const route = useRoute();

  const signOut = useCallback((reason?: string) => {
    saveSession(null);
    setSession(null);
    setNotice(reason ?? null);
    navigate('/sign-in', true);
  }, []);
  const signIn = useCallback((next: Session) => {
    saveSession(next);
    setSession(next);
    setNotice(null);
    navigate('/', true);
  }, []);

  const token = session?.token ?? null;
  const clients = useMemo(
    () =>
      createClients(token, {
        onSessionEnded: () => signOut('Your session has ended. Please sign in again.'),
        onConnection: setConnection,
      }),
    [token, signOut],
  );
  // Dispose the previous session's clients once a new one is in use. (Not in this effect's
  // cleanup: StrictMode runs cleanups on a live component and would dispose the memoised pair.)
  const previous = useRef<Clients | null>(null);
  useEffect(() => {
    if (previous.current && previous.current !== clients) previous.current.dispose();
    previous.current = clients;
  }, [clients]);

  // Sign out when the token expires, even on a page that makes no request meanwhile.
  useEffect(() => {
    if (!token) return;
    const ms = tokenExpiresAt(token) - Date.now();
    const timer = setTimeout(() => signOut('Your session has ended. Please sign in again.'), Math.max(0, Math.min(ms, 2 ** 31 - 1)));
    return () => clearTimeout(timer);
  }, [token, signOut]);

  // Another tab signed in or out: follow it.
  useEffect(() => {
    const onStorage = () => setSession(loadSession());
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, []);

  const signedOutPage = route.page === 'sign-in' || route.page === 'sign-up';
  useEffect(() => {
    if (!session && !signedOutPage) navigate('/sign-in', true);
    if (session && signedOutPage) navigate('/', true);
  }, [session, signedOutPage]);

  const value = useMemo(() => ({ session, clients, signIn, signOut }), [session, clients, signIn, signOut]);
  return (
    <Ctx.Provider value={value}>
      <ApolloProvider client={clients.apollo}>
        <header className="top">
          <a href="/" onClick={onLinkClick} className="brand">
            CMA console
          </a>
          {session && (
            <span className="who">
              {session.user.name} · {session.user.firm.name}
              <button type="button" className="link" onClick={() => signOut()}>
                Sign out
              </button>
            </span>
          )}
        </header>
        {connection === 'reconnecting' && session && (
          <p className="banner" role="status">
            Connection to the service lost. Reconnecting… (nothing will be missed)
          </p>
        )}
        <main id="main">
          {notice && !session && (
            <p className="notice" role="alert">
              {notice}
            </p>
          )}
          {!session ? (
            <AuthScreen mode={route.page === 'sign-up' ? 'sign-up' : 'sign-in'} />
          ) : route.page === 'project' ? (
            <ProjectScreen key={route.id} projectId={route.id} />
          ) : (
            <ProjectsScreen />
          )}
        </main>
      </ApolloProvider>
    </Ctx.Provider>
  );
}

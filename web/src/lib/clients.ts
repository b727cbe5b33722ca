import { ApolloClient, ApolloLink, CombinedGraphQLErrors, HttpLink, InMemoryCache } from '@apollo/client';
import { ErrorLink } from '@apollo/client/link/error';
import { createClient, type Client } from 'graphql-ws';
import { CLOSE_FORBIDDEN, isCloseEvent, retryForever } from './watch-project-status';

export interface Clients {
  apollo: ApolloClient;
  /** Subscriptions go straight through graphql-ws (see watch-project-status.ts). */
  ws: Client;
  dispose(): void;
}

/**
 * One Apollo Client (queries and mutations over HTTP) and one graphql-ws client per signed-in
 * session. `onSessionEnded` runs when the server says the token is no longer good, over
 * either transport; `onConnection` reports the socket going down and coming back.
 */
export function createClients(
  token: string | null,
  hooks: { onSessionEnded(): void; onConnection(state: 'connected' | 'reconnecting'): void },
): Clients {
  const authorization = token ? `Bearer ${token}` : undefined;
  const errors = new ErrorLink(({ error }) => {
    if (token && CombinedGraphQLErrors.is(error) && error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED')) {
      hooks.onSessionEnded();
    }
  });
  // Apollo's default Accept (application/graphql-response+json) keeps 401/409 readable as
  // GraphQL errors with their code (README "API notes for clients").
  const http = new HttpLink({ uri: '/graphql', headers: authorization ? { authorization } : {} });
  const apollo = new ApolloClient({ link: ApolloLink.from([errors, http]), cache: new InMemoryCache() });

  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  let everConnected = false;
  const ws = createClient({
    url,
    connectionParams: authorization ? { authorization } : {},
    ...retryForever,
    on: {
      connected: () => {
        everConnected = true;
        hooks.onConnection('connected');
      },
      closed: (event) => {
        if (isCloseEvent(event) && event.code === CLOSE_FORBIDDEN) hooks.onSessionEnded();
        else if (everConnected) hooks.onConnection('reconnecting');
      },
    },
  });
  return {
    apollo,
    ws,
    dispose() {
      void ws.dispose();
      apollo.stop();
    },
  };
}

// The one GraphQL client (UI-3): same-origin /graphql over HTTP, the live `events` subscription over
// graphql-ws (graphql-transport-ws) with the token in connection_init, as V-1 says.
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';
import { createClient as createWsClient } from 'graphql-ws';
import { getToken } from './session';

export function makeClient(): Client {
  const token = getToken();
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`;
  const ws = token ? createWsClient({ url: wsUrl, connectionParams: { Authorization: `Bearer ${token}` }, lazy: true,
    retryAttempts: 20 }) : null;
  return new Client({
    url: '/graphql',
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({ headers }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      ...(ws ? [subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query || '' };
          return { subscribe: (sink) => ({ unsubscribe: ws.subscribe(input, sink) }) };
        },
      })] : []),
    ],
  });
}

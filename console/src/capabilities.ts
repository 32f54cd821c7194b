// Which optional API fields this server has: §12–§14 fields are built in parallel, so the console asks
// the running schema (introspection) and offers those controls only when the server has them.
import { useQuery } from 'urql';
import { graphql } from './gql';

const Capabilities = graphql(`
  query Capabilities { q: __type(name: "Query") { fields { name } } m: __type(name: "Mutation") { fields { name } } }
`);

export function useCapabilities(): { ready: boolean; has: (field: string) => boolean } {
  const [{ data }] = useQuery({ query: Capabilities, requestPolicy: 'cache-first' });
  const names = new Set([...(data?.q?.fields ?? []), ...(data?.m?.fields ?? [])].map((f) => f.name));
  return { ready: !!data, has: (f) => names.has(f) };
}

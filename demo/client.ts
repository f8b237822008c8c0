import { Client, fetchExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { graphcacheKeys, graphcacheSchema } from '../operations/generated/cache-config.ts';

/** Where the server said GraphQL is (it writes GRAPHQL_PATH into the page). */
const endpoint = document.querySelector<HTMLMetaElement>('meta[name="graphql-endpoint"]')?.content ?? '/graphql';

/**
 * urql as the README sets it up for a frontend: graphcache with the generated keys and schema, queries over
 * GET (cacheable) unless a call asks for POST, as one that starts explanation jobs must. Its fetchExchange
 * reads `@defer`'s multipart answers by itself.
 */
export const client = new Client({
  url: new URL(endpoint, location.href).href,
  exchanges: [cacheExchange({ keys: graphcacheKeys, schema: graphcacheSchema }), fetchExchange],
});

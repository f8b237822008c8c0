import { Client, fetchExchange, mapExchange } from '@urql/core';
import { cacheExchange } from '@urql/exchange-graphcache';
import { graphcacheKeys, graphcacheSchema } from '../operations/generated/cache-config.ts';

/** Where the server said GraphQL is (it writes GRAPHQL_PATH into the page). */
const endpoint = document.querySelector<HTMLMetaElement>('meta[name="graphql-endpoint"]')?.content ?? '/graphql';

/** The minute budget as `extensions.cost.throttleStatus` describes it. */
export interface Throttle {
  maximumAvailable: number;
  currentlyAvailable: number;
}

const throttleListeners: ((throttle: Throttle) => void)[] = [];

/** Calls `listener` with the minute budget after every answer that reports it (a refusal included). */
export function onThrottle(listener: (throttle: Throttle) => void): void {
  throttleListeners.push(listener);
}

type WithCost = { cost?: { throttleStatus?: Throttle } } | undefined;

/**
 * urql as the README sets it up for a frontend: graphcache with the generated keys and schema, queries over
 * GET (cacheable) unless a call asks for POST, as one that starts explanation jobs must. Its fetchExchange
 * reads `@defer`'s multipart answers by itself. The mapExchange passes on what each network answer says is
 * left of the minute budget: in its `extensions`, or in a RATE_LIMITED error's when it was refused.
 */
export const client = new Client({
  url: new URL(endpoint, location.href).href,
  exchanges: [
    cacheExchange({ keys: graphcacheKeys, schema: graphcacheSchema }),
    mapExchange({
      onResult(result) {
        const fromErrors = result.error?.graphQLErrors.map((e) => (e.extensions as WithCost)?.cost?.throttleStatus);
        const throttle = (result.extensions as WithCost)?.cost?.throttleStatus ?? fromErrors?.find(Boolean);
        if (throttle) for (const listener of throttleListeners) listener(throttle);
      },
    }),
    fetchExchange,
  ],
});

import { createServer } from 'node:net';
import { isNonNullType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.ts';
import { serversPerTest } from './helpers/server.ts';

// The README's promise: when the engine cannot answer, only the fields that needed it are null, each with
// its own coded error, and the rest of the answer is served. That holds only if every root field that can
// fail is nullable: a non-null one would null the whole `data`.

/** A loopback port nothing listens on: bound, then let go. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// One selection per engine-backed root field, keyed by the field.
const engineFields: Record<string, string> = {
  area: 'area(code: "E09000007") { name }',
  areas: 'areas(first: 2) { nodes { code } }',
  station: 'station(code: "145") { name }',
  stations: 'stations(search: "king", first: 2) { name }',
  recommendations: 'recommendations(input: { persona: STUDENT, budget: 600, locationType: RENT, limit: 2 }) { total }',
  personas: 'personas { name }',
  explanation: 'explanation(id: "ex1_not-a-job") { status }',
  node: `node(id: "${Buffer.from('Area:E09000007').toString('base64url')}") { id }`,
  // A list of nodes fails item by item: its one item is null, with the error at its index.
  nodes: `nodes(ids: ["${Buffer.from('Station:145').toString('base64url')}"]) { id }`,
};
const failedAt: Record<string, (string | number)[]> = { nodes: ['nodes', 0] };
// The root fields that never ask the engine.
const localFields: Record<string, string> = {
  rateLimit: 'rateLimit { client tier }',
  health: 'health { status engine { status } cache { status } }',
};

const startServer = serversPerTest();

describe('root fields fail alone', () => {
  it('every root field that can fail is nullable; only `health`, which cannot, is not', () => {
    const roots = [schema.getQueryType()!, schema.getMutationType()!, schema.getSubscriptionType()!];
    const nonNull = roots.flatMap((type) =>
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type))
        .map((field) => `${type.name}.${field.name}`),
    );
    expect(nonNull).toEqual(['Query.health']);
  });

  it('with the engine down, serves rateLimit and health and nulls each engine field at its own path', async () => {
    // Every Query field is in the document, so a new root field must be added here too.
    expect(Object.keys(schema.getQueryType()!.getFields()).sort()).toEqual(Object.keys({ ...engineFields, ...localFields }).sort());
    const server = await startServer({ LOCAL_ENGINE_URL: `http://127.0.0.1:${await closedPort()}` });
    const { status, body } = await server.gql(`{ ${[...Object.values(localFields), ...Object.values(engineFields)].join('\n')} }`);

    expect(status).toBe(200);
    expect(body.data).not.toBeNull();
    expect(body.data!.rateLimit).toEqual({ client: 'ip:127.0.0.1', tier: 'anonymous' });
    expect(body.data!.health).toEqual({ status: 'degraded', engine: { status: 'DOWN' }, cache: { status: 'UP' } });
    for (const field of Object.keys(engineFields)) expect(body.data![field], field).toEqual(field === 'nodes' ? [null] : null);
    const errors = body.errors!.map((e) => ({ path: e.path, code: e.extensions?.code }));
    expect(errors.sort((a, b) => String(a.path).localeCompare(String(b.path)))).toEqual(
      Object.keys(engineFields)
        .sort()
        .map((field) => ({ path: failedAt[field] ?? [field], code: 'UPSTREAM_UNAVAILABLE' })),
    );
  });

  it('a refused argument nulls only its own field, with BAD_USER_INPUT naming it', async () => {
    const server = await startServer();
    const { status, body } = await server.gql(`{ areas(first: 2) { nodes { code } } stations(first: 0) { name } personas { key } }`);
    expect(status).toBe(200);
    expect(body.data!.areas.nodes).toHaveLength(2);
    expect(body.data!.personas.map((p: { key: string }) => p.key).sort()).toEqual(['DEVELOPER', 'PARENT', 'STUDENT']);
    expect(body.data!.stations).toBeNull();
    expect(body.errors!.map((e) => ({ path: e.path, code: e.extensions?.code, field: e.extensions?.field }))).toEqual([
      { path: ['stations'], code: 'BAD_USER_INPUT', field: 'first' },
    ]);
  });
});

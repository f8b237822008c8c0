import { describe, expect, inject, it } from 'vitest';
import { ExplanationIds } from '../src/explanations/ids.ts';
import { fromGlobalId, globalIdArg, toGlobalId } from '../src/lib/global-id.ts';
import { type GraphQLResponse, serversPerTest, type TestServer } from './helpers/server.ts';

const server = serversPerTest();

// The fields each type shows, asked the direct way and through node(id:) / nodes(ids:) alike.
const FRAGMENTS = `
  fragment A on Area { id code name innerOuter population transport { stationCount } }
  fragment S on Station { id code name zone rail lines { ...L } area { id code } }
  fragment L on Line { id code name colour }
  fragment P on Persona { id personaKey: key name defaultSize defaultLocationType }
  fragment E on Explanation { id jobKey: key status persona area { id code } }`;
const ANY_NODE = '__typename ...A ...S ...L ...P ...E';
const NODE = `query ($id: ID!) { node(id: $id) { ${ANY_NODE} } } ${FRAGMENTS}`;
const NODES = `query ($ids: [ID!]!) { nodes(ids: $ids) { ${ANY_NODE} } } ${FRAGMENTS}`;
const BUDGETS = `{ rateLimit { budgets { name remaining } } }`;
// test/helpers/server.ts gives every test server this secret, so a key signed here is one the server signed.
const SECRET = 'test-suite-explanation-id-secret';

async function left(s: TestServer, budget: 'minute' | 'explanations'): Promise<number> {
  const { body } = await s.gql(BUDGETS);
  return body.data!.rateLimit.budgets.find((b: { name: string }) => b.name === budget).remaining;
}

/** How many of `engineIds` the shared test engine holds a job for, asked of it directly (a read that starts nothing). */
async function jobsHeld(engineIds: string[]): Promise<number> {
  const response = await fetch(`${inject('engineUrl')}/explanations/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ids: engineIds, rebuild: false }),
  });
  const { jobs } = (await response.json()) as { jobs: unknown[] };
  return jobs.filter((job) => job !== null).length;
}

/** The engine id of a question nobody asked yet, in the engine's canonical spelling (so it could rebuild it). */
async function unaskedEngineId(s: TestServer): Promise<string> {
  const ready = (await (await fetch(`${s.url}/ready`)).json()) as { checks: { engine: { dataVersion: string } } };
  const question = {
    a: 'E09000011',
    c: { budget: 100_000 + Math.floor(Math.random() * 800_000) },
    d: ready.checks.engine.dataVersion,
    p: 'parent',
  };
  return `ex1_${Buffer.from(JSON.stringify(question)).toString('base64url')}`;
}

describe('global ids', () => {
  it('are base64url of `<Type>:<key>`, without padding, and read back only in that one spelling', () => {
    const id = toGlobalId('Station', '145');
    expect(id).toBe(Buffer.from('Station:145').toString('base64url'));
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromGlobalId(id)).toEqual({ type: 'Station', key: '145' });
    expect(fromGlobalId(`${id}=`)).toBeNull();
    expect(fromGlobalId(Buffer.from('Station:145').toString('base64'))).toBeNull(); // padded
    expect(fromGlobalId(`${id.slice(0, 4)}!${id.slice(4)}`)).toBeNull();
    expect(fromGlobalId(Buffer.from(':145').toString('base64url'))).toBeNull();
    expect(fromGlobalId(Buffer.from('Station:').toString('base64url'))).toBeNull();
    expect(fromGlobalId(Buffer.from('station:145').toString('base64url'))).toBeNull();
    // Bytes that are not UTF-8 decode to U+FFFD, which encodes back to other bytes.
    expect(fromGlobalId(Buffer.from([0x53, 0x3a, 0xff]).toString('base64url'))).toBeNull();
    expect(globalIdArg.safeParse('A'.repeat(401)).error?.issues[0]?.message).toMatch(/at most 400 characters/);
  });

  it('every node type reads the same through node(id:) and nodes(ids:) as the direct way', async () => {
    const s = await server();
    const direct = await s.gql(
      `{ area(code: "E09000007") { ...A } station(code: "145") { ...S } personas { ...P }
         requestExplanation: area(code: "E09000012") { explanation(persona: STUDENT) { ...E } } } ${FRAGMENTS}`,
    );
    expect(direct.body.errors).toBeUndefined();
    const { area, station, personas } = direct.body.data!;
    const line = station.lines[0];
    const explanation = direct.body.data!.requestExplanation.explanation;
    const objects = [
      { __typename: 'Area', ...area },
      { __typename: 'Station', ...station },
      { __typename: 'Line', ...line },
      ...personas.map((p: object) => ({ __typename: 'Persona', ...p })),
      { __typename: 'Explanation', ...explanation },
    ];
    // Each id is its type and its code (or key), encoded.
    expect(area.id).toBe(toGlobalId('Area', 'E09000007'));
    expect(station.id).toBe(toGlobalId('Station', '145'));
    expect(line.id).toBe(toGlobalId('Line', line.code));
    expect(personas.map((p: { id: string }) => fromGlobalId(p.id))).toEqual(
      ['STUDENT', 'PARENT', 'DEVELOPER'].map((key) => ({ type: 'Persona', key })),
    );
    expect(fromGlobalId(explanation.id)).toEqual({ type: 'Explanation', key: explanation.jobKey });

    // A job may have moved on from PENDING meanwhile: everything else is the same.
    const sameJob = (n: { status?: string }) => ({ ...n, status: n.status && 'ANY' });
    for (const object of objects) {
      const one = await s.gql(NODE, { id: object.id });
      expect(one.body.errors, object.__typename).toBeUndefined();
      expect(sameJob(one.body.data!.node), object.__typename).toEqual(sameJob(object));
    }
    const many = await s.gql(NODES, { ids: objects.map((o) => o.id) });
    expect(many.body.errors).toBeUndefined();
    expect(many.body.data!.nodes.map(sameJob)).toEqual(objects.map(sameJob));

    // The Explanation's global id and its key read the same job by explanation(id:) too.
    const READ = `query ($id: ID!) { explanation(id: $id) { id jobKey: key } }`;
    const byId = await s.gql(READ, { id: explanation.id });
    const byKey = await s.gql(READ, { id: explanation.jobKey });
    expect(byId.body.data!.explanation).toEqual({ id: explanation.id, jobKey: explanation.jobKey });
    expect(byKey.body.data!.explanation).toEqual({ id: explanation.id, jobKey: explanation.jobKey });
  });

  it('nodes(ids:) keeps the order and answers null for a well-formed id that names nothing', async () => {
    const s = await server();
    const ids = [
      toGlobalId('Station', '99999'),
      toGlobalId('Area', 'E09000033'),
      toGlobalId('Area', 'E09000099'),
      toGlobalId('Line', '999'),
      toGlobalId('Explanation', 'ex1_bm90LWEtam9i'),
      toGlobalId('Area', 'E09000001'),
      toGlobalId('Persona', 'DEVELOPER'),
      toGlobalId('Area', 'E09000033'),
    ];
    const { body } = await s.gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id ... on Area { name } } }`, { ids });
    expect(body.errors).toBeUndefined();
    expect(body.data!.nodes).toEqual([
      null,
      { id: ids[1], name: 'Westminster' },
      null,
      null,
      null,
      { id: ids[5], name: 'City of London' },
      { id: ids[6] },
      { id: ids[1], name: 'Westminster' },
    ]);
    expect((await s.gql(NODE, { id: toGlobalId('Station', '99999') })).body).toEqual({
      data: { node: null },
      extensions: expect.anything(),
    });
  });

  it('refuses a malformed global id with BAD_USER_INPUT: not base64url, of no known type, or a key not of its type', async () => {
    const s = await server();
    const malformed = [
      'not base64url!',
      `${toGlobalId('Area', 'E09000007')}=`,
      toGlobalId('Borough', 'E09000007'),
      toGlobalId('Area', 'Camden'),
      toGlobalId('Station', 'Bank'),
      // Each object has one id: a code with a leading zero names no station.
      toGlobalId('Station', '0145'),
      toGlobalId('Persona', 'student'),
      toGlobalId('Explanation', 'job-1'),
      'A'.repeat(401),
    ];
    for (const id of malformed) {
      const { status, body } = await s.gql(NODE, { id });
      expect(status, id).toBe(200);
      expect(body.data, id).toEqual({ node: null });
      expect(body.errors?.[0]?.extensions, id).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
      expect(body.errors?.[0]?.message, id).toMatch(/^Invalid argument id of Query\.node: must be (a global id|the `id` of a)/);
    }
    const { body } = await s.gql(NODES, { ids: [toGlobalId('Area', 'E09000007'), toGlobalId('Area', 'Camden')] });
    expect(body.data).toEqual({ nodes: null });
    expect(body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids.1' });
    // explanation(id:) takes an Explanation's id or key, and nothing else.
    const other = await s.gql(`query ($id: ID!) { explanation(id: $id) { status } }`, { id: toGlobalId('Area', 'E09000007') });
    expect(other.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'id' });
  });

  it('refuses more than 100 ids with BAD_USER_INPUT naming the bound, before any engine call, charging no more than the refused field', async () => {
    const s = await server({ RATE_LIMIT_POINTS_PER_MINUTE: '5000' });
    const ids = Array.from({ length: 101 }, (_, i) => toGlobalId('Area', `E09${String(i + 1).padStart(6, '0')}`));
    let answer!: GraphQLResponse;
    const calls = await s.countEngineCalls(async () => {
      answer = await s.gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids });
    });
    expect(calls).toEqual({});
    expect(answer.body.data).toEqual({ nodes: null });
    expect(answer.body.errors).toHaveLength(1);
    expect(answer.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'ids' });
    expect(answer.body.errors![0]!.message).toContain('at most 100 ids');
    // What a null `nodes` counts (its own weight, 2): none of the 101 ids is paid for.
    expect(5000 - Number(answer.headers.get('x-ratelimit-remaining'))).toBeLessThanOrEqual(2);
    expect(answer.body.extensions!.cost.actualQueryCost).toBeLessThanOrEqual(2);
  });

  it('answers 100 area ids with one engine call', async () => {
    const s = await server();
    // 100 distinct, well-formed codes: the 33 boroughs, then 67 that name nothing.
    const codes = Array.from({ length: 100 }, (_, i) => `E09${String(i + 1).padStart(6, '0')}`);
    let answer!: GraphQLResponse;
    const calls = await s.countEngineCalls(async () => {
      answer = await s.gql(`query ($ids: [ID!]!) { nodes(ids: $ids) { ... on Area { code } } }`, {
        ids: codes.map((code) => toGlobalId('Area', code)),
      });
    });
    expect(answer.body.errors).toBeUndefined();
    expect(calls).toEqual({ areas: 1 });
    expect(answer.body.data!.nodes.map((n: { code: string } | null) => n?.code ?? null)).toEqual(codes.map((c, i) => (i < 33 ? c : null)));
  });

  it("an Explanation's global id over node(id:) only reads: it never starts or rebuilds a job, nor spends the budget", async () => {
    const s = await server({ EXPLANATIONS_PER_HOUR: '5' });
    const engineId = await unaskedEngineId(s);
    // Signed as this server signs a job whose start it charged: explanation(id:) would have the engine rebuild it.
    const key = new ExplanationIds({ current: SECRET }).sign(engineId);
    const id = toGlobalId('Explanation', key);

    const one = await s.gql(NODE, { id });
    const many = await s.gql(NODES, { ids: [id, id] });
    expect(one.body).toMatchObject({ data: { node: null } });
    expect(one.body.errors).toBeUndefined();
    expect(many.body).toMatchObject({ data: { nodes: [null, null] } });
    expect(await jobsHeld([engineId])).toBe(0);
    expect(await left(s, 'explanations')).toBe(5);

    // The same id through explanation(id:) rebuilds the job: what node(id:) did not do, it could have.
    const read = await s.gql(`query ($id: ID!) { explanation(id: $id) { id key area { code } } }`, { id });
    expect(read.body.data!.explanation).toEqual({ id, key, area: { code: 'E09000011' } });
    expect(await jobsHeld([engineId])).toBe(1);
    // Now that it exists, node(id:) reads it.
    expect((await s.gql(NODE, { id })).body.data!.node).toMatchObject({ __typename: 'Explanation', id, jobKey: key });
  });

  it('explanationUpdated(id:) follows a job by its global id as by its key', async () => {
    const s = await server({ EXPLANATION_POLL_MS: '20' });
    const { body } = await s.gql(`mutation { requestExplanation(areaCode: "E09000019", persona: PARENT) { id key } }`);
    const { id, key } = body.data!.requestExplanation;
    const follow = async (arg: string) => {
      const response = await fetch(`${s.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({
          query: 'subscription ($id: ID!) { explanationUpdated(id: $id) { id key status } }',
          variables: { id: arg },
        }),
      });
      const text = await response.text();
      return text
        .split('\n')
        .filter((line) => line.startsWith('data:') && line.length > 6)
        .map((line) => JSON.parse(line.slice(5)).data?.explanationUpdated);
    };
    for (const arg of [id, key]) {
      const events = await follow(arg);
      expect(events.at(-1)).toEqual({ id, key, status: 'READY' });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { serversPerTest, type TestServer } from './helpers/server.ts';

const BUDGETS = `{ rateLimit { budgets { name remaining } } }`;
const ADMIN_TOKEN = 'explanation-budget-admin-token';
const server = serversPerTest();

async function explanationsLeft(s: TestServer): Promise<number> {
  const { body } = await s.gql(BUDGETS);
  return body.data!.rateLimit.budgets.find((b: { name: string }) => b.name === 'explanations').remaining;
}

describe('the explanations budget pays for new work only', () => {
  it('a question about a borough or a station that does not exist is refused alone, and charges nothing', async () => {
    const s = await server({ EXPLANATIONS_PER_HOUR: '5' });
    const unknownArea = await s.gql(`mutation { requestExplanation(areaCode: "E09000099", persona: STUDENT) { id } }`);
    expect(unknownArea.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'areaCode' });
    // A valid question beside one with an unknown station: only the bad one fails, and only the good one pays.
    const mixed = await s.gql(`{
      a: area(code: "E09000014") { explanation(persona: PARENT, context: { budget: 1234 }) { id status } }
      b: area(code: "E09000015") { explanation(persona: PARENT, context: { commuteTo: "99999" }) { id } } }`);
    expect(mixed.body.data!.a.explanation).toMatchObject({ status: 'PENDING' });
    expect(mixed.body.data!.b.explanation).toBeNull();
    expect(mixed.body.errors).toHaveLength(1);
    expect(mixed.body.errors![0]).toMatchObject({
      path: ['b', 'explanation'],
      extensions: { code: 'BAD_USER_INPUT', field: 'context.commuteTo' },
    });
    expect(await explanationsLeft(s)).toBe(4);
  });

  it('a job the engine already finished is not charged again when the cache has forgotten it', async () => {
    const s = await server({ EXPLANATIONS_PER_HOUR: '5', ADMIN_TOKEN, EXPLANATION_POLL_MS: '20' });
    const ask = `{ area(code: "E09000007") { explanation(persona: STUDENT, context: { budget: 701 }) { id status } } }`;
    const first = await s.gql(ask);
    expect(await explanationsLeft(s)).toBe(4);
    // Wait for it to finish, then make the cache forget every explanation.
    for (let i = 0; i < 100; i += 1) {
      const { body } = await s.gql(`query ($id: ID!) { explanation(id: $id) { status } }`, { id: first.body.data!.area.explanation.id });
      if (body.data!.explanation.status === 'READY') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const dropped = await s.gql(`mutation { invalidateCache(kind: EXPLANATION) { kind } }`, {}, { authorization: `Bearer ${ADMIN_TOKEN}` });
    expect(dropped.body.errors).toBeUndefined();
    const again = await s.gql(ask);
    expect(again.body.data!.area.explanation).toMatchObject({ id: first.body.data!.area.explanation.id, status: 'READY' });
    expect(await explanationsLeft(s)).toBe(4);
  });

  it('more new jobs than the budget holds at all is said so, without a retry time that would never work', async () => {
    const s = await server({ EXPLANATIONS_PER_HOUR: '3' });
    const { body } = await s.gql(
      `{ recommendations(input: { persona: STUDENT, budget: 900, locationType: RENT, limit: 5 }) { results { explanation { id } } } }`,
    );
    const refused = body.errors!.filter((e) => e.extensions?.code === 'RATE_LIMITED');
    expect(refused.length).toBe(5);
    expect(refused[0]!.message).toContain('more than the explanations budget holds (3)');
    expect(refused[0]!.extensions!.retryAfterSeconds).toBeUndefined();
    expect(await explanationsLeft(s)).toBe(3);
  });
});

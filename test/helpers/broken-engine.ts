import { modalStandIn } from './modal-stand-in.ts';

/**
 * A Modal endpoint that answers /explanations/status with jobs created at a time no date can hold (a number
 * of seconds the contract's `z.number()` accepts), and everything else as the real engine does. The
 * DateTime scalar cannot write it as ISO 8601 and throws a plain TypeError: the honest path to an unexpected
 * (masked, reported) error.
 */
export function brokenEngine() {
  return modalStandIn((request) => {
    if (request.path !== '/explanations/status') return undefined;
    const jobs = (JSON.parse(request.body) as { ids: string[] }).ids.map((id) => ({
      id,
      status: 'PENDING',
      areaCode: 'E09000007',
      persona: 'student',
      context: null,
      text: null,
      source: null,
      error: null,
      attempts: 0,
      createdAt: 1e15,
      finishedAt: null,
    }));
    return { status: 200, body: { jobs, version: 'x', dataVersion: 'y' } };
  });
}

/** A query that makes the explanation loader fail unexpectedly against `brokenEngine`. */
export const UNEXPECTED = `query Explain { explanation(id: "ex1_fuzzed") { id status createdAt } }`;

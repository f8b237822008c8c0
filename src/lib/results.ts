import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/**
 * What Yoga is about to send, as its onResultProcess hook sees it: one result, a batch of them, or a stream
 * (@defer, subscriptions). Envelop's handleStreamOrSingleExecutionResult is for the execution hooks and
 * knows no batches, so the plugins that edit answers here share these two instead.
 */
type Answer = Parameters<NonNullable<Plugin['onResultProcess']>>[0]['result'];

/** The results of an answer: the one, or each of a batch. None for a stream, whose parts come later. */
export function resultsOf(answer: Answer): ExecutionResult[] {
  if (isAsyncIterable(answer)) return [];
  return Array.isArray(answer) ? answer : [answer];
}

/** Replaces each result of an answer (the one, or each of a batch) by `edit`'s; a stream is left as it is. */
export function editResults(answer: Answer, setResult: (answer: Answer) => void, edit: (result: ExecutionResult) => ExecutionResult): void {
  if (isAsyncIterable(answer)) return;
  setResult(Array.isArray(answer) ? answer.map(edit) : edit(answer));
}

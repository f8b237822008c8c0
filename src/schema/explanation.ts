import { area } from '../resolvers/areas.ts';
import * as resolvers from '../resolvers/explanations.ts';
import { builder } from './builder.ts';
import { cost } from './cost.ts';
import { PersonaIdEnum } from './enums.ts';
import { AreaRef, ExplanationRef, explanationId } from './refs.ts';

const ExplanationStatus = builder.enumType('ExplanationStatus', {
  description: 'PENDING while the job runs; READY with its text; FAILED with an error (request it again to retry).',
  values: ['PENDING', 'READY', 'FAILED'] as const,
});

const ExplanationSource = builder.enumType('ExplanationSource', {
  description: 'What wrote the text: a language model, or the template grounded in the area\'s figures.',
  values: ['LLM', 'TEMPLATE'] as const,
});

const isoTime = (seconds: number | null) => (seconds == null ? null : new Date(seconds * 1000).toISOString());

ExplanationRef.implement({
  description: 'Why an area suits a persona, written in the background.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Deterministic: the same question always has the same id.' }),
    status: t.expose('status', { type: ExplanationStatus }),
    persona: t.expose('persona', { type: PersonaIdEnum }),
    area: t.field({ type: AreaRef, nullable: true, resolve: (job, _a, ctx) => area(ctx, job.areaCode) }),
    text: t.exposeString('text', { nullable: true, description: 'Plain text; set when READY.' }),
    source: t.expose('source', { type: ExplanationSource, nullable: true }),
    error: t.exposeString('error', { nullable: true }),
    attempts: t.exposeInt('attempts'),
    createdAt: t.string({ description: 'ISO 8601.', resolve: (job) => isoTime(job.createdAt)! }),
    finishedAt: t.string({ nullable: true, description: 'ISO 8601.', resolve: (job) => isoTime(job.finishedAt) }),
  }),
});

builder.queryFields((t) => ({
  explanation: t.field({
    type: ExplanationRef,
    nullable: true,
    description: 'An explanation job by id; null for an id no engine can read.',
    extensions: cost({ weight: 2 }),
    args: { id: t.arg.id({ required: true, validate: { schema: explanationId } }) },
    resolve: (_root, args, ctx) => resolvers.explanation(ctx, String(args.id)),
  }),
}));

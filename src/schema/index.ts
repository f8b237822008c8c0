import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.ts';
import './enums.ts';
import './station.ts';
import './area.ts';
import './recommendation.ts';
import './explanation.ts';
import './health.ts';
import './admin.ts';
import './rate-limit.ts';

/** The schema, sorted so the printed schema.graphql is stable. */
export const schema = lexicographicSortSchema(builder.toSchema());

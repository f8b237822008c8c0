import { lexicographicSortSchema, specifiedDirectives } from 'graphql';
import { builder } from './builder.ts';
import { schemaDirectives } from './directives.ts';
import './date-time.ts';
import './enums.ts';
import './station.ts';
import './area.ts';
import './recommendation.ts';
import './explanation.ts';
import './health.ts';
import './admin.ts';
import './rate-limit.ts';

/**
 * The schema, sorted so the printed schema.graphql is stable. Given a list of directives, graphql-js keeps only
 * those, so its own (@skip, @include, @deprecated, ...) are listed with ours.
 */
export const schema = lexicographicSortSchema(builder.toSchema({ directives: [...specifiedDirectives, ...schemaDirectives] }));

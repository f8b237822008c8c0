import { type GraphQLSchema, getNamedType, isCompositeType, isObjectType } from 'graphql';
import type { CostExtension } from './cost.ts';

/** The markdown table of the fields whose cost differs from the defaults, as the README shows it. */
export function costTable(schema: GraphQLSchema): string {
  const rows: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const ext = field.extensions?.cost as CostExtension | undefined;
      if (!ext) continue;
      const weight = ext.weight ?? (isCompositeType(getNamedType(field.type)) ? 1 : 0);
      const size = ext.listSize;
      const sizeText = [
        size?.slicingArguments ? `\`${size.slicingArguments.join('`, `')}\`` : '',
        size?.assumedSize !== undefined ? `assumed ${size.assumedSize}` : '',
        size?.sizedFields ? `sizes \`${size.sizedFields.join('`, `')}\`` : '',
      ]
        .filter(Boolean)
        .join('; ');
      rows.push(`| \`${type.name}.${field.name}\` | ${weight} | ${sizeText} |`);
    }
  }
  return `| field | weight | list size |\n|---|---|---|\n${rows.sort().join('\n')}`;
}

import { builder } from './builder.ts';

// GraphQL names on the left, the engine's values on the right, so resolvers pass values through unchanged.

export const PersonaIdEnum = builder.enumType('PersonaId', {
  description: 'Who the recommendation is for.',
  values: {
    STUDENT: { value: 'student' },
    PARENT: { value: 'parent' },
    DEVELOPER: { value: 'developer', description: 'A property developer or investor.' },
  } as const,
});

export const PropertySizeEnum = builder.enumType('PropertySize', {
  description: 'The VOA rent categories. A room in a shared home is a size of its own, not zero bedrooms.',
  values: {
    ROOM: { value: 'room' },
    STUDIO: { value: 'studio' },
    ONE_BED: { value: '1bed' },
    TWO_BED: { value: '2bed' },
    THREE_BED: { value: '3bed' },
    FOUR_PLUS_BED: { value: '4plus', description: 'Four bedrooms or more.' },
  } as const,
});

export const LocationTypeEnum = builder.enumType('LocationType', {
  values: { RENT: { value: 'rent' }, BUY: { value: 'buy' } } as const,
});

export const FactorEnum = builder.enumType('Factor', {
  description: 'A part of the recommendation score.',
  values: {
    AFFORDABILITY: { value: 'affordability' },
    COMMUTE: { value: 'commute' },
    SAFETY: { value: 'safety' },
    SCHOOLS: { value: 'schools' },
    TRANSPORT: { value: 'transport' },
    GREEN_SPACE: { value: 'greenSpace' },
    PRICE_GROWTH: { value: 'priceGrowth' },
  } as const,
});

export const InnerOuterEnum = builder.enumType('InnerOuter', {
  values: { INNER: { value: 'inner' }, OUTER: { value: 'outer' } } as const,
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

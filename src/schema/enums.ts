import type { PersonaId } from '../modal/contract.ts';
import { builder } from './builder.ts';

// GraphQL names on the left, the engine's values on the right, so resolvers pass values through unchanged.

const personaIds = {
  STUDENT: { value: 'student', description: 'A student renting a room on a tight budget: cheap rent and a short commute come first.' },
  PARENT: { value: 'parent', description: 'A parent renting a family home: schools, safety and green space weigh as much as the rent.' },
  DEVELOPER: {
    value: 'developer',
    description: 'A property developer or investor buying: price growth and entry price lead, transport access follows.',
  },
} as const;

export const PersonaIdEnum = builder.enumType('PersonaId', {
  description: 'Who a recommendation is for: each persona has its own default size, location type and factor weights (see `personas`).',
  values: personaIds,
});

type PersonaName = keyof typeof personaIds;

/** A persona's name in the schema (`STUDENT`) by the engine's id (`student`), and back: a global id holds the name. */
export const personaNames = {
  of: (id: PersonaId) => (Object.keys(personaIds) as PersonaName[]).find((name) => personaIds[name].value === id)!,
  idOf: (name: string): PersonaId | undefined => (Object.hasOwn(personaIds, name) ? personaIds[name as PersonaName].value : undefined),
};

export const PropertySizeEnum = builder.enumType('PropertySize', {
  description: 'The VOA rent categories. A room in a shared home is a size of its own, not zero bedrooms.',
  values: {
    ROOM: { value: 'room', description: 'A room in a shared home.' },
    STUDIO: { value: 'studio', description: 'A self-contained studio flat.' },
    ONE_BED: { value: '1bed', description: 'A home with one bedroom.' },
    TWO_BED: { value: '2bed', description: 'A home with two bedrooms.' },
    THREE_BED: { value: '3bed', description: 'A home with three bedrooms.' },
    FOUR_PLUS_BED: { value: '4plus', description: 'A home with four bedrooms or more.' },
  } as const,
});

export const LocationTypeEnum = builder.enumType('LocationType', {
  description: 'Whether the home is rented or bought, which decides the price an area is scored and filtered by.',
  values: {
    RENT: { value: 'rent', description: 'Renting: the price is the median rent for the size, GBP per calendar month (VOA, 2018/19).' },
    BUY: {
      value: 'buy',
      description: 'Buying: the price is the average price paid, GBP (UK House Price Index, October 2024); size is ignored.',
    },
  } as const,
});

export const FactorEnum = builder.enumType('Factor', {
  description: 'A part of the recommendation score, each scored from 0 (worst) to 1 (best) over the boroughs with a figure.',
  values: {
    AFFORDABILITY: { value: 'affordability', description: 'How far the price is under the budget: 1 - price / budget.' },
    COMMUTE: {
      value: 'commute',
      description: 'Minutes to `commuteTo`: 10 minutes or less scores 1, 90 or more scores 0. Missing without `commuteTo`.',
    },
    SAFETY: { value: 'safety', description: 'Crimes per 1,000 residents (2014/15): the lowest rate scores 1.' },
    SCHOOLS: { value: 'schools', description: 'Share of pupils with 5+ GCSEs at A*-C (2013/14): the highest share scores 1.' },
    TRANSPORT: { value: 'transport', description: 'Public transport accessibility (PTAL, 2014): the highest scores 1.' },
    GREEN_SPACE: { value: 'greenSpace', description: 'Share of the area that is green space (2005): the highest scores 1.' },
    PRICE_GROWTH: {
      value: 'priceGrowth',
      description: 'Change of the average price over 5 years (to October 2024): the highest scores 1.',
    },
  } as const,
});

export const InnerOuterEnum = builder.enumType('InnerOuter', {
  description: 'The statistical split of London into Inner and Outer boroughs.',
  values: {
    INNER: { value: 'inner', description: 'An Inner London borough (including the City of London).' },
    OUTER: { value: 'outer', description: 'An Outer London borough.' },
  } as const,
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Which end of an ordered list comes first.',
  values: {
    ASC: { description: 'Smallest first (A to Z for text).' },
    DESC: { description: 'Largest first (Z to A for text).' },
  } as const,
});

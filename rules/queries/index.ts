import type { QueryRule } from '../../src/queries/rule.ts';
import { leadingWildcard } from './leading-wildcard.ts';
import { notInSubquery } from './not-in-subquery.ts';
import { offsetPagination } from './offset-pagination.ts';
import { orderByRandom } from './order-by-random.ts';
import { selectStar } from './select-star.ts';

/** The checks of the queries a change writes, each on its own parse tree. */
export const queryRules: QueryRule[] = [notInSubquery, leadingWildcard, orderByRandom, offsetPagination, selectStar];

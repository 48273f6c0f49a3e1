import type { Rule } from '../src/lint/rule.ts';
import { requireConcurrentIndex } from './require-concurrent-index.ts';
import { requireConcurrentDropIndex } from './require-concurrent-drop-index.ts';
import { requireConcurrentReindex } from './require-concurrent-reindex.ts';
import { concurrentlyInTransaction } from './concurrently-in-transaction.ts';
import { constraintMissingNotValid } from './constraint-missing-not-valid.ts';
import { validateInSameTransaction } from './validate-in-same-transaction.ts';
import { addUniqueWithoutIndex } from './add-unique-without-index.ts';
import { exclusionConstraint } from './exclusion-constraint.ts';
import { requireLockTimeout } from './require-lock-timeout.ts';
import { requireStatementTimeout } from './require-statement-timeout.ts';
import { workAfterAccessExclusive } from './work-after-access-exclusive.ts';
import { multipleTablesLocked } from './multiple-tables-locked.ts';
import { transactionNesting } from './transaction-nesting.ts';
import { concurrentIndexIfNotExists } from './concurrent-index-if-not-exists.ts';
import { attachPartitionWithoutCheck } from './attach-partition-without-check.ts';
import { detachPartitionConcurrently } from './detach-partition-concurrently.ts';
import { disableTriggerAll } from './disable-trigger-all.ts';
import { foreignKeyWithoutIndex } from './foreign-key-without-index.ts';
import { lockTable } from './lock-table.ts';
import { refreshMaterializedViewConcurrently } from './refresh-materialized-view-concurrently.ts';
import { replicaIdentity } from './replica-identity.ts';
import { unbatchedBackfill } from './unbatched-backfill.ts';
import { vacuumFullOrCluster } from './vacuum-full-or-cluster.ts';
import { addColumnRewrite } from './add-column-rewrite.ts';
import { addColumnNotNullWithoutDefault } from './add-column-not-null-without-default.ts';
import { columnTypeRewrite } from './column-type-rewrite.ts';
import { setNotNull } from './set-not-null.ts';
import { dropNotNull } from './drop-not-null.ts';
import { dropColumn } from './drop-column.ts';
import { dropTable } from './drop-table.ts';
import { truncate } from './truncate.ts';
import { cascade } from './cascade.ts';
import { renameColumn } from './rename-column.ts';
import { renameTable } from './rename-table.ts';
import { preferJsonb } from './prefer-jsonb.ts';
import { preferTimestamptz } from './prefer-timestamptz.ts';
import { preferTextOverChar } from './prefer-text-over-char.ts';
import { preferBigintKeys } from './prefer-bigint-keys.ts';
import { identifierTooLong } from './identifier-too-long.ts';
import { enumAddValueInTransaction } from './enum-add-value-in-transaction.ts';
import { enumValueOrdering } from './enum-value-ordering.ts';

/** Every rule, in the order they are documented. */
export const allRules: Rule[] = [
  requireConcurrentIndex,
  requireConcurrentDropIndex,
  requireConcurrentReindex,
  concurrentlyInTransaction,
  constraintMissingNotValid,
  validateInSameTransaction,
  addUniqueWithoutIndex,
  exclusionConstraint,
  requireLockTimeout,
  requireStatementTimeout,
  workAfterAccessExclusive,
  multipleTablesLocked,
  transactionNesting,
  concurrentIndexIfNotExists,
  detachPartitionConcurrently,
  attachPartitionWithoutCheck,
  disableTriggerAll,
  replicaIdentity,
  unbatchedBackfill,
  foreignKeyWithoutIndex,
  vacuumFullOrCluster,
  refreshMaterializedViewConcurrently,
  lockTable,
  addColumnRewrite,
  addColumnNotNullWithoutDefault,
  columnTypeRewrite,
  setNotNull,
  dropNotNull,
  dropColumn,
  dropTable,
  truncate,
  cascade,
  renameColumn,
  renameTable,
  preferJsonb,
  preferTimestamptz,
  preferTextOverChar,
  preferBigintKeys,
  identifierTooLong,
  enumAddValueInTransaction,
  enumValueOrdering,
];

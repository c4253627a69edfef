/**
 * sql: parser adapter -> AST -> plan -> executor, the catalog, and the Session that
 * src/wire drives. Public surface: the Session contract (session.ts), SqlError and its
 * mapper, and the factory that builds the service.
 */
export { SqlError, sqlError, type SqlErrorFields } from './sql-error.ts';
export type {
  ColumnInfo,
  CopyInSink,
  FormattedValue,
  FormattedRow,
  Notice,
  QueryEvent,
  TransactionStatus,
  StatementDescription,
  ExecuteOptions,
  StartupParams,
  Session,
  SqlService,
} from './session.ts';
export { toSqlError } from './errors.ts';
export { createSqlService, defaultSqlLimits, type SqlLimits, type SqlServiceOptions, type TesseraSqlService } from './service.ts';
export { HBA_SETTING } from './auth/auth-ast.ts';
export { decideHba, parseHba, defaultHbaRules, formatHbaRule, normalizeAddress, type HbaRule, type HbaMethod, type HbaConnection, type HbaParse } from './auth/hba.ts';
export { parseVerifier, checkCleartextPassword, checkMd5Response, SCRAM_ITERATIONS_DEFAULT, type PasswordVerifier, type ScramVerifier } from './auth/password.ts';
export { scramServerFirst, scramServerFinal, mockScramVerifier, SCRAM_MECHANISM, type ScramState } from './auth/scram.ts';

/**
 * Errors that cross a layer. Each carries a stable `code` so that the one mapper in
 * src/sql can turn it into a SQLSTATE without matching on message text.
 */
export class TesseraError extends Error {
  constructor(
    /** Stable, kebab-case identifier of the failure, e.g. 'txn-retry'. */
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TesseraError';
  }
}

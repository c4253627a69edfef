import type { ColumnInfo, FormattedRow, TransactionStatus } from '../sql/index.ts';
import { assert, assertNever } from '../util/index.ts';

/** The fields of an ErrorResponse or NoticeResponse, in PostgreSQL's terms. */
export interface ErrorNoticeFields {
  /** ERROR, FATAL, PANIC for errors; WARNING, NOTICE, INFO, LOG, DEBUG for notices. */
  readonly severity: string;
  /** SQLSTATE, five characters. */
  readonly code: string;
  readonly message: string;
  readonly detail?: string | undefined;
  readonly hint?: string | undefined;
  /** 1-based character position in the query string. */
  readonly position?: number | undefined;
  readonly internalPosition?: number | undefined;
  readonly internalQuery?: string | undefined;
  readonly where?: string | undefined;
  readonly schema?: string | undefined;
  readonly table?: string | undefined;
  readonly column?: string | undefined;
  readonly dataType?: string | undefined;
  readonly constraint?: string | undefined;
  readonly file?: string | undefined;
  readonly line?: number | undefined;
  readonly routine?: string | undefined;
}

const statusByte: Readonly<Record<TransactionStatus, number>> = {
  idle: 0x49, // 'I'
  'in-transaction': 0x54, // 'T'
  failed: 0x45, // 'E'
};

/** Batches up to this size are copied out (into Node's shared pool) so the big buffer is reused. */
const copyOutBytesMax = 4096;
const initialBytes = 16 * 1024;

/**
 * Encodes backend messages into one growing buffer; `take()` hands the whole batch over for
 * a single socket write. This is the hot path of every statement: no per-message
 * allocations beyond the bytes themselves, no per-row promises.
 *
 * Ownership: the Buffer returned by `take()` belongs to the caller (the writer never touches
 * it again); the writer keeps reusing its own buffer only when it copied the batch out.
 */
export type AuthenticationRequest =
  | { readonly kind: 'cleartext' }
  | { readonly kind: 'md5'; readonly salt: Uint8Array }
  | { readonly kind: 'sasl'; readonly mechanisms: readonly string[] }
  | { readonly kind: 'sasl-continue' | 'sasl-final'; readonly data: string };

export class BackendWriter {
  private buf: Buffer = Buffer.allocUnsafe(initialBytes);
  private pos = 0;
  /** Start of the message being written, for patching its length word. */
  private messageStart = -1;

  /** Bytes encoded and not yet taken. */
  get length(): number {
    return this.pos;
  }

  /** The encoded batch, and an empty writer; null when nothing was written. */
  take(): Buffer | null {
    assert(this.messageStart < 0, 'take() inside an unfinished message');
    if (this.pos === 0) return null;
    let out: Buffer;
    if (this.pos <= copyOutBytesMax) {
      out = Buffer.allocUnsafe(this.pos);
      this.buf.copy(out, 0, 0, this.pos);
    } else {
      out = this.buf.subarray(0, this.pos);
      this.buf = Buffer.allocUnsafe(Math.max(initialBytes, Math.min(this.buf.length, 1024 * 1024)));
    }
    this.pos = 0;
    return out;
  }

  /** The one-byte answer to SSLRequest/GSSENCRequest ('S' or 'N'): not a framed message. */
  encryptionAnswer(accept: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = accept ? 0x53 : 0x4e;
  }

  authenticationOk(): void {
    this.begin(0x52); // 'R'
    this.int32(0);
    this.end();
  }

  /**
   * An authentication request: 3 cleartext password, 5 md5 (with a 4-byte salt), 10 SASL
   * (mechanism names), 11 SASL continue and 12 SASL final (with the SCRAM message).
   */
  authenticationRequest(request: AuthenticationRequest): void {
    this.begin(0x52); // 'R'
    switch (request.kind) {
      case 'cleartext':
        this.int32(3);
        break;
      case 'md5':
        this.int32(5);
        this.bytes(request.salt);
        break;
      case 'sasl':
        this.int32(10);
        for (const m of request.mechanisms) this.cstring(m);
        this.byte(0);
        break;
      case 'sasl-continue':
      case 'sasl-final':
        this.int32(request.kind === 'sasl-continue' ? 11 : 12);
        this.bytes(Buffer.from(request.data, 'utf8'));
        break;
      default:
        assertNever(request, 'authentication request');
    }
    this.end();
  }

  parameterStatus(name: string, value: string): void {
    this.begin(0x53); // 'S'
    this.cstring(name);
    this.cstring(value);
    this.end();
  }

  backendKeyData(processId: number, secretKey: number): void {
    this.begin(0x4b); // 'K'
    this.int32(processId);
    this.int32(secretKey);
    this.end();
  }

  /** The server's newest minor version and the protocol options (_pq_.*) it did not recognise. */
  negotiateProtocolVersion(newestMinor: number, unrecognizedOptions: readonly string[]): void {
    this.begin(0x76); // 'v'
    this.int32(newestMinor);
    this.int32(unrecognizedOptions.length);
    for (const option of unrecognizedOptions) this.cstring(option);
    this.end();
  }

  readyForQuery(status: TransactionStatus): void {
    this.begin(0x5a); // 'Z'
    this.byte(statusByte[status]);
    this.end();
  }

  rowDescription(columns: readonly ColumnInfo[]): void {
    this.begin(0x54); // 'T'
    this.int16(columns.length);
    for (const c of columns) {
      this.cstring(c.name);
      this.uint32(c.tableOid);
      this.int16(c.columnAttr);
      this.uint32(c.typeOid);
      this.int16(c.typeSize);
      this.int32(c.typeMod);
      this.int16(c.format);
    }
    this.end();
  }

  parameterDescription(typeOids: readonly number[]): void {
    this.begin(0x74); // 't'
    this.int16(typeOids.length);
    for (const oid of typeOids) this.uint32(oid);
    this.end();
  }

  /** One DataRow per row: values already formatted by sql (text as string, binary as bytes). */
  dataRows(rows: readonly FormattedRow[]): void {
    for (const row of rows) this.dataRow(row);
  }

  dataRow(row: FormattedRow): void {
    this.begin(0x44); // 'D'
    this.int16(row.length);
    for (const value of row) {
      if (value === null) {
        this.int32(-1);
      } else if (typeof value === 'string') {
        // Reserve the worst case (3 bytes per UTF-16 unit) instead of measuring the string twice.
        this.ensure(4 + value.length * 3);
        const written = this.buf.write(value, this.pos + 4, 'utf8');
        this.buf.writeInt32BE(written, this.pos);
        this.pos += 4 + written;
      } else {
        this.int32(value.length);
        this.ensure(value.length);
        this.buf.set(value, this.pos);
        this.pos += value.length;
      }
    }
    this.end();
  }

  commandComplete(tag: string): void {
    this.begin(0x43); // 'C'
    this.cstring(tag);
    this.end();
  }

  emptyQueryResponse(): void {
    this.empty(0x49); // 'I'
  }

  errorResponse(fields: ErrorNoticeFields): void {
    this.errorOrNotice(0x45, fields); // 'E'
  }

  noticeResponse(fields: ErrorNoticeFields): void {
    this.errorOrNotice(0x4e, fields); // 'N'
  }

  parseComplete(): void {
    this.empty(0x31); // '1'
  }

  bindComplete(): void {
    this.empty(0x32); // '2'
  }

  closeComplete(): void {
    this.empty(0x33); // '3'
  }

  noData(): void {
    this.empty(0x6e); // 'n'
  }

  portalSuspended(): void {
    this.empty(0x73); // 's'
  }

  /** CopyInResponse / CopyOutResponse: overall format text (0), every column text. */
  copyResponse(direction: 'in' | 'out', columnCount: number): void {
    this.begin(direction === 'in' ? 0x47 : 0x48); // 'G' / 'H'
    this.byte(0);
    this.int16(columnCount);
    for (let i = 0; i < columnCount; i++) this.int16(0);
    this.end();
  }

  copyData(data: string | Uint8Array): void {
    this.begin(0x64); // 'd'
    if (typeof data === 'string') {
      this.ensure(data.length * 3);
      this.pos += this.buf.write(data, this.pos, 'utf8');
    } else {
      this.ensure(data.length);
      this.buf.set(data, this.pos);
      this.pos += data.length;
    }
    this.end();
  }

  copyDone(): void {
    this.empty(0x63); // 'c'
  }

  private errorOrNotice(type: number, f: ErrorNoticeFields): void {
    this.begin(type);
    this.field(0x53, f.severity); // S: localized severity
    this.field(0x56, f.severity); // V: never localized
    this.field(0x43, f.code); // C
    this.field(0x4d, f.message); // M
    this.field(0x44, f.detail); // D
    this.field(0x48, f.hint); // H
    this.field(0x50, f.position); // P
    this.field(0x70, f.internalPosition); // p
    this.field(0x71, f.internalQuery); // q
    this.field(0x57, f.where); // W
    this.field(0x73, f.schema); // s
    this.field(0x74, f.table); // t
    this.field(0x63, f.column); // c
    this.field(0x64, f.dataType); // d
    this.field(0x6e, f.constraint); // n
    this.field(0x46, f.file); // F
    this.field(0x4c, f.line); // L
    this.field(0x52, f.routine); // R
    this.byte(0);
    this.end();
  }

  private field(code: number, value: string | number | undefined): void {
    if (value === undefined) return;
    this.byte(code);
    this.cstring(typeof value === 'number' ? String(value) : value);
  }

  private empty(type: number): void {
    this.begin(type);
    this.end();
  }

  private begin(type: number): void {
    assert(this.messageStart < 0, 'nested backend message');
    this.ensure(5);
    this.buf[this.pos] = type;
    this.messageStart = this.pos + 1;
    this.pos += 5;
  }

  private end(): void {
    assert(this.messageStart >= 0, 'end() without begin()');
    this.buf.writeInt32BE(this.pos - this.messageStart, this.messageStart);
    this.messageStart = -1;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  private byte(value: number): void {
    this.ensure(1);
    this.buf[this.pos++] = value;
  }

  private bytes(value: Uint8Array): void {
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  private int16(value: number): void {
    this.ensure(2);
    this.buf.writeInt16BE(value, this.pos);
    this.pos += 2;
  }

  private int32(value: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(value, this.pos);
    this.pos += 4;
  }

  private uint32(value: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(value, this.pos);
    this.pos += 4;
  }

  /** A NUL-terminated UTF-8 string. PostgreSQL strings cannot contain NUL; sql guarantees that. */
  private cstring(value: string): void {
    this.ensure(value.length * 3 + 1);
    this.pos += this.buf.write(value, this.pos, 'utf8');
    this.buf[this.pos++] = 0;
  }
}

/**
 * COPY's text and CSV formats, pure: options from the statement, a streaming row reader
 * (chunks in, rows of field texts out, with line numbers) and a row writer. Follows
 * PostgreSQL's copyfromparse.c/copyto.c: text uses backslash escapes and \N for NULL; CSV
 * quotes with QUOTE (doubled inside), NULL is the unquoted empty string by default.
 */
import { StringDecoder } from 'node:string_decoder';
import { sqlError } from '../sql-error.ts';

export interface CopyOptions {
  readonly format: 'text' | 'csv';
  readonly delimiter: string;
  readonly nullText: string;
  readonly quote: string;
  readonly header: boolean;
}

/** Options from the CopyStmt's DefElems (name -> text value; a bare option is 'true'). */
export function copyOptions(raw: ReadonlyMap<string, string>): CopyOptions {
  const format = (raw.get('format') ?? 'text').toLowerCase();
  if (format !== 'text' && format !== 'csv') throw sqlError('0A000', `COPY format "${format}" is not supported`);
  for (const name of raw.keys()) {
    if (!['format', 'delimiter', 'null', 'quote', 'header', 'encoding'].includes(name)) throw sqlError('42601', `option "${name}" not recognized`);
  }
  const csv = format === 'csv';
  const delimiter = raw.get('delimiter') ?? (csv ? ',' : '\t');
  const quote = raw.get('quote') ?? '"';
  if (delimiter.length !== 1) throw sqlError('0A000', 'COPY delimiter must be a single one-byte character');
  if (quote.length !== 1) throw sqlError('0A000', 'COPY quote must be a single one-byte character');
  if (!csv && raw.has('quote')) throw sqlError('0A000', 'COPY QUOTE requires CSV mode');
  if (csv && delimiter === quote) throw sqlError('22023', 'COPY delimiter and quote must be different');
  const header = /^(true|on|1|yes|match)$/i.test(raw.get('header') ?? 'false');
  return { format, delimiter, nullText: raw.get('null') ?? (csv ? '' : '\\N'), quote, header };
}

export interface CopyRow {
  /** 1-based line number of the row's first line in the data, as PostgreSQL reports it. */
  readonly line: number;
  readonly fields: readonly (string | null)[];
}

/** Streaming reader: feed chunks with `push`, then `finish`; each returns the complete rows. */
export class CopyReader {
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';
  private line = 0;
  private ended = false;
  private headerSkipped = false;

  constructor(private readonly options: CopyOptions) {}

  push(chunk: Uint8Array): CopyRow[] {
    this.pending += this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    return this.drain(false);
  }

  finish(): CopyRow[] {
    this.pending += this.decoder.end();
    return this.drain(true);
  }

  private drain(final: boolean): CopyRow[] {
    const rows: CopyRow[] = [];
    for (;;) {
      if (this.ended) return rows;
      const end = this.options.format === 'csv' ? csvRecordEnd(this.pending, this.options.quote) : this.pending.indexOf('\n');
      if (end < 0 && !(final && this.pending.length > 0)) return rows;
      const stop = end < 0 ? this.pending.length : end;
      let record = this.pending.slice(0, stop);
      this.pending = this.pending.slice(end < 0 ? stop : stop + 1);
      if (record.endsWith('\r')) record = record.slice(0, -1);
      this.line++;
      const first = this.line;
      this.line += countNewlines(record);
      if (record === '\\.') {
        this.ended = true;
        return rows;
      }
      if (this.options.header && !this.headerSkipped) {
        this.headerSkipped = true;
        continue;
      }
      const fields = this.options.format === 'csv' ? splitCsv(record, this.options, first) : splitText(record, this.options, first);
      rows.push({ line: first, fields });
    }
  }
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** Index of the newline ending the first CSV record (newlines inside quotes do not count), or -1. */
function csvRecordEnd(s: string, quote: string): number {
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === quote) quoted = !quoted;
    else if (c === '\n' && !quoted) return i;
  }
  return -1;
}

const textEscapes: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' };

function splitText(record: string, o: CopyOptions, line: number): (string | null)[] {
  const fields: (string | null)[] = [];
  let raw = '';
  let value = '';
  const finishField = (): void => {
    fields.push(raw === o.nullText ? null : value);
    raw = '';
    value = '';
  };
  for (let i = 0; i < record.length; i++) {
    const c = record[i]!;
    if (c === o.delimiter) {
      finishField();
    } else if (c === '\\' && i + 1 < record.length) {
      const n = record[++i]!;
      raw += c + n;
      if (/[0-7]/.test(n)) {
        const oct = /^[0-7]{1,3}/.exec(record.slice(i))![0];
        value += String.fromCharCode(parseInt(oct, 8));
        raw += oct.slice(1);
        i += oct.length - 1;
      } else if (n === 'x' && /^[0-9a-fA-F]/.test(record[i + 1] ?? '')) {
        const hex = /^[0-9a-fA-F]{1,2}/.exec(record.slice(i + 1))![0];
        value += String.fromCharCode(parseInt(hex, 16));
        raw += hex;
        i += hex.length;
      } else {
        value += textEscapes[n] ?? n;
      }
    } else {
      raw += c;
      value += c;
    }
  }
  if (record.endsWith('\\') && !record.endsWith('\\\\')) throw sqlError('22P04', 'end-of-copy marker corrupt', { detail: `COPY, line ${line}` });
  finishField();
  return fields;
}

function splitCsv(record: string, o: CopyOptions, line: number): (string | null)[] {
  const fields: (string | null)[] = [];
  let value = '';
  let quotedAny = false;
  let inQuotes = false;
  for (let i = 0; i < record.length; i++) {
    const c = record[i]!;
    if (inQuotes) {
      if (c === o.quote) {
        if (record[i + 1] === o.quote) {
          value += c;
          i++;
        } else inQuotes = false;
      } else value += c;
    } else if (c === o.quote) {
      inQuotes = true;
      quotedAny = true;
    } else if (c === o.delimiter) {
      fields.push(!quotedAny && value === o.nullText ? null : value);
      value = '';
      quotedAny = false;
    } else value += c;
  }
  if (inQuotes) throw sqlError('22P04', 'unterminated CSV quoted field', { detail: `COPY, line ${line}` });
  fields.push(!quotedAny && value === o.nullText ? null : value);
  return fields;
}

/** One row in the COPY TO format, ending with a newline. */
export function formatCopyRow(fields: readonly (string | null)[], o: CopyOptions): string {
  const out = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i] ?? null;
    if (f === null) out[i] = o.nullText;
    else if (o.format === 'text') out[i] = escapeText(f, o.delimiter);
    else out[i] = needsCsvQuotes(f, o) ? o.quote + f.split(o.quote).join(o.quote + o.quote) + o.quote : f;
  }
  return out.join(o.delimiter) + '\n';
}

function escapeText(f: string, delimiter: string): string {
  let s = '';
  for (const c of f) {
    if (c === '\\') s += '\\\\';
    else if (c === '\n') s += '\\n';
    else if (c === '\r') s += '\\r';
    else if (c === '\t' && delimiter === '\t') s += '\\t';
    else if (c === delimiter) s += '\\' + c;
    else s += c;
  }
  return s;
}

function needsCsvQuotes(f: string, o: CopyOptions): boolean {
  return f === o.nullText || f.includes(o.delimiter) || f.includes(o.quote) || f.includes('\n') || f.includes('\r') || f === '\\.';
}

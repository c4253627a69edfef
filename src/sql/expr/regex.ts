/**
 * PostgreSQL regular expressions on JavaScript's engine. PostgreSQL's advanced regular
 * expressions (ARE) and JavaScript's agree on the common core; the differences that real
 * queries meet are translated here: POSIX bracket classes ([[:alpha:]]), the word-boundary
 * escapes \m \M \y, and the flag letters of regexp_replace/regexp_match. SIMILAR TO and
 * LIKE ... ESCAPE patterns are rewritten to the forms the matchers take.
 */
import { sqlError } from '../sql-error.ts';

const posixClasses: Readonly<Record<string, string>> = {
  alpha: '\\p{L}', digit: '0-9', alnum: '\\p{L}\\p{Nd}', upper: '\\p{Lu}', lower: '\\p{Ll}',
  space: '\\s', punct: '\\p{P}\\p{S}', xdigit: '0-9A-Fa-f', word: '\\w', blank: ' \\t', cntrl: '\\p{Cc}',
  print: '\\P{C}', graph: '\\p{L}\\p{N}\\p{P}\\p{S}',
};

/** Rewrites an ARE pattern into JavaScript syntax (with the `u` flag). */
export function translateRegex(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) {
      const n = pattern[i + 1]!;
      i++;
      out += n === 'm' || n === 'M' || n === 'y' ? '\\b' : n === 'Y' ? '\\B' : n === 'A' ? '^' : n === 'Z' ? '$' : '\\' + n;
      continue;
    }
    if (c === '[' && pattern.startsWith('[:', i)) {
      const end = pattern.indexOf(':]', i + 2);
      const cls = end < 0 ? undefined : posixClasses[pattern.slice(i + 2, end)];
      if (cls !== undefined) {
        out += cls;
        i = end + 1;
        continue;
      }
    }
    out += c;
  }
  return out;
}

export interface RegexFlags {
  readonly global: boolean;
  readonly js: string;
}

/** The flag letters of regexp_replace / regexp_match / regexp_matches (22023 for others). */
export function parseRegexFlags(flags: string): RegexFlags {
  let global = false;
  let ci = false;
  let multiline = false;
  for (const f of flags) {
    if (f === 'g') global = true;
    else if (f === 'i') ci = true;
    else if (f === 'c') ci = false;
    else if (f === 'n' || f === 'p' || f === 'w') multiline = true;
    else if (f === 's' || f === 't' || f === 'x' || f === 'q' || f === 'e' || f === 'b') continue;
    else throw sqlError('22023', `invalid regular expression option: "${f}"`);
  }
  return { global, js: `u${ci ? 'i' : ''}${multiline ? 'm' : 's'}` };
}

const cache = new Map<string, RegExp>();

/** A compiled pattern (cached); an invalid one is 2201B as in PostgreSQL. */
export function compileRegex(pattern: string, jsFlags: string): RegExp {
  const key = `${jsFlags}/${pattern}`;
  let re = cache.get(key);
  if (re === undefined) {
    try {
      re = new RegExp(translateRegex(pattern), jsFlags);
    } catch (err) {
      throw sqlError('2201B', `invalid regular expression: ${(err as Error).message}`);
    }
    if (cache.size >= 256) cache.clear();
    cache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/** regexp_replace's replacement text: \1..\9 and \& refer to the match, \\ is a backslash. */
export function translateReplacement(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '$') out += '$$';
    else if (c === '\\' && i + 1 < text.length) {
      const n = text[++i]!;
      out += n >= '1' && n <= '9' ? '$' + n : n === '&' ? '$&' : n;
    } else out += c;
  }
  return out;
}

/**
 * SIMILAR TO's pattern as an anchored ARE: `%` is `.*`, `_` is `.`, the escape character
 * (default backslash) quotes the next one, and `.` `^` `$` are literal.
 */
export function similarToRegex(pattern: string, escape: string | null): string {
  if (escape !== null && [...escape].length > 1) throw sqlError('22025', 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
  let out = '^(?:';
  let inBracket = false;
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (escape !== null && escape !== '' && c === escape && i + 1 < chars.length) {
      const n = chars[++i]!;
      out += /[A-Za-z0-9]/.test(n) ? n : '\\' + n;
    } else if (inBracket) {
      if (c === ']') inBracket = false;
      out += c === '\\' ? '\\\\' : c;
    } else if (c === '[') {
      inBracket = true;
      out += c;
    } else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else if (c === '.' || c === '^' || c === '$' || c === '\\') out += '\\' + c;
    else out += c;
  }
  return out + ')$';
}

/** LIKE's pattern with ESCAPE `escape`, rewritten to the default backslash escape. */
export function likeWithEscape(pattern: string, escape: string): string {
  const esc = [...escape];
  if (esc.length > 1) throw sqlError('22025', 'invalid escape string', { hint: 'Escape string must be empty or one character.' });
  let out = '';
  const chars = [...pattern];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (esc.length === 1 && c === esc[0]) {
      const n = chars[++i];
      if (n === undefined) throw sqlError('22025', 'LIKE pattern must not end with escape character');
      out += '\\' + n;
    } else if (c === '\\') out += '\\\\';
    else out += c;
  }
  return out;
}

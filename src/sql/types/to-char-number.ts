/**
 * to_char(number, template) for the template patterns applications use: 9 (digit, blank
 * when a leading zero), 0 (digit, kept), . or D (decimal point), , or G (group separator,
 * shown once a digit has been), S / MI / PL / SG (sign), PR (negative in angle brackets),
 * FM (no padding: leading blanks and trailing zeros of 9-positions are dropped). A value
 * too wide for the template prints as '#' in every digit position, as in PostgreSQL.
 */
import { Decimal } from 'decimal.js';
import { Dec } from './numeric.ts';

type D = InstanceType<typeof Dec>;
/** Marks a fraction digit's place until FM has decided which trailing zeros to drop. */
const FRACTION_SLOT = '\u0000';

interface Template {
  readonly fm: boolean;
  readonly intSlots: string[];
  readonly fracSlots: string[];
  /** The template's literal and separator characters, with `#` for a digit slot. */
  readonly layout: string[];
  readonly sign: 'default' | 'S-lead' | 'S-trail' | 'MI' | 'PR' | 'PL' | 'SG';
}

function parse(format: string): Template {
  let fm = false;
  let sign: Template['sign'] = 'default';
  const intSlots: string[] = [];
  const fracSlots: string[] = [];
  const layout: string[] = [];
  let inFraction = false;
  let i = 0;
  const upper = format.toUpperCase();
  while (i < format.length) {
    const rest = upper.slice(i);
    if (rest.startsWith('FM')) { fm = true; i += 2; continue; }
    if (rest.startsWith('PR')) { sign = 'PR'; i += 2; continue; }
    if (rest.startsWith('MI')) { sign = 'MI'; i += 2; continue; }
    if (rest.startsWith('PL')) { sign = 'PL'; i += 2; continue; }
    if (rest.startsWith('SG')) { sign = 'SG'; i += 2; continue; }
    const c = upper[i]!;
    if (c === 'S') sign = layout.length === 0 ? 'S-lead' : 'S-trail';
    else if (c === '9' || c === '0') {
      (inFraction ? fracSlots : intSlots).push(c);
      layout.push(inFraction ? 'f' : 'i');
    } else if (c === '.' || c === 'D') {
      inFraction = true;
      layout.push('.');
    } else if (c === ',' || c === 'G') layout.push(',');
    else layout.push(format[i]!);
    i++;
  }
  return { fm, intSlots, fracSlots, layout, sign };
}

/** Formats `value` (a number or an exact decimal) by `format`. */
export function toCharNumber(value: number | D, format: string): string {
  const t = parse(format);
  const v = typeof value === 'number' ? new Dec(value) : value;
  const rounded = v.abs().toDecimalPlaces(t.fracSlots.length, Decimal.ROUND_HALF_UP);
  // The sign is the rounded value's: -0.001 with two decimals prints 0.00.
  const negative = v.isNegative() && !rounded.isZero();
  const [intText = '0', fracText = ''] = rounded.toFixed(t.fracSlots.length).split('.');
  const overflow = !v.isFinite() || intText.length > t.intSlots.length;
  // A zero integer part prints only when there are no fraction digits to show (0 -> '0', 0.5 -> '.50').
  const intDigits = intText === '0' && t.fracSlots.length > 0 ? '' : intText;
  // The first slot that shows a digit: where the number's digits start, or an earlier 0-slot.
  const firstZero = t.intSlots.indexOf('0');
  const start = Math.min(t.intSlots.length - intDigits.length, firstZero < 0 ? Infinity : firstZero);
  let out = '';
  let intIndex = 0;
  let fracIndex = 0;
  let started = false;
  let lastFracKept = -1;
  const fracChars: string[] = [];
  for (const part of t.layout) {
    if (part === 'i') {
      const slot = intIndex++;
      if (overflow) out += '#';
      else if (slot >= start) {
        started = true;
        const digitAt = slot - (t.intSlots.length - intDigits.length);
        out += digitAt >= 0 ? intDigits[digitAt]! : '0';
      } else out += t.fm ? '' : ' ';
    } else if (part === 'f') {
      const slot = fracIndex++;
      const d = overflow ? '#' : (fracText[slot] ?? '0');
      if (t.fracSlots[slot] === '0' || d !== '0') lastFracKept = fracChars.length;
      fracChars.push(d);
      out += FRACTION_SLOT;
    } else if (part === ',') out += started && !overflow ? ',' : t.fm ? '' : ' ';
    else if (part === '.') {
      // A 0.5 with template 9.99 prints ' .50'; with 0.99 the zero slot prints it.
      out += '.';
      started = true;
    } else out += part;
  }
  // Fraction digits: FM drops the trailing zeros of 9-slots.
  out = out.split(FRACTION_SLOT).map((piece, i) => (i === 0 ? piece : (t.fm && i - 1 > lastFracKept ? '' : fracChars[i - 1]!) + piece)).join('');
  if (t.fm && out.endsWith('.') && t.fracSlots.every((s) => s === '9')) out = out.slice(0, -1);
  return withSign(out, negative, t);
}

function withSign(body: string, negative: boolean, t: Template): string {
  switch (t.sign) {
    case 'S-lead': return (negative ? '-' : '+') + body.trimStart();
    case 'S-trail': return body + (negative ? '-' : '+');
    case 'MI': return body + (negative ? '-' : t.fm ? '' : ' ');
    case 'PL': return body + (negative ? '' : '+');
    case 'SG': return (negative ? '-' : '+') + body;
    case 'PR': return negative ? `<${body.trimStart()}>` : t.fm ? body : ` ${body} `;
    default: {
      // The sign sits right before the first printed character of the number.
      if (t.fm) return (negative ? '-' : '') + body;
      const lead = body.length - body.trimStart().length;
      return `${body.slice(0, lead)}${negative ? '-' : ' '}${body.slice(lead)}`;
    }
  }
}

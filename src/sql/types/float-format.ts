/**
 * PostgreSQL's float output. With extra_float_digits > 0 (the default, 1) it prints the
 * shortest text that reads back to the same value, in %g style: exponent form when the
 * decimal exponent is < -4 or >= the type's digits (15 for float8, 6 for float4), with a
 * sign and at least two exponent digits ('1e+15', '1e-05'). With extra_float_digits <= 0
 * it prints DBL_DIG + extra_float_digits significant digits.
 */

export function formatFloat(value: number, isFloat4: boolean, extraFloatDigits: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const typeDigits = isFloat4 ? 6 : 15;
  if (extraFloatDigits > 0) {
    const digits = isFloat4 ? shortestFloat4(value) : value.toExponential();
    return gStyle(digits, typeDigits);
  }
  const precision = Math.max(1, typeDigits + extraFloatDigits);
  return gStyle(value.toExponential(precision - 1), precision, true);
}

/** The shortest exponent-form text that rounds back to `value` as a 32-bit float. */
function shortestFloat4(value: number): string {
  for (let p = 1; p <= 9; p++) {
    const text = value.toExponential(p - 1);
    if (Math.fround(Number(text)) === value) return text;
  }
  return value.toExponential(8);
}

/** Lays out 'd.ddde±x' as C's %g would for `precision` significant digits. */
function gStyle(exponential: string, precision: number, stripZeros = false): string {
  const [mantissaRaw = '0', expText = '0'] = exponential.split('e');
  const exp = Number(expText);
  const negative = mantissaRaw.startsWith('-');
  let digits = mantissaRaw.replace('-', '').replace('.', '');
  if (stripZeros) digits = digits.replace(/0+$/, '') || '0';
  const sign = negative ? '-' : '';
  if (exp < -4 || exp >= precision) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const expAbs = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${mantissa}e${exp < 0 ? '-' : '+'}${expAbs}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length);
  return `${sign}${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
}

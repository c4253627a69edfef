/**
 * Exact numerics (PostgreSQL's `numeric`) over decimal.js. PostgreSQL keeps a display
 * scale with every value ('1.50' stays '1.50'), so a Numeric is a decimal plus its scale;
 * arithmetic follows PostgreSQL's scale rules (add: max, multiply: sum, divide: at least
 * 16 significant digits).
 */
import { Decimal } from 'decimal.js';

/** Our own Decimal constructor: enough precision for numeric's 1000 digits, half-up rounding like PostgreSQL. */
export const Dec = Decimal.clone({ precision: 1100, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -2000, toExpPos: 2000 });
type Dec = InstanceType<typeof Dec>;

export class Numeric {
  constructor(
    readonly value: Dec,
    /** Digits after the point in the text form; 0 for integers. */
    readonly scale: number,
  ) {}

  static fromString(text: string): Numeric | null {
    const t = text.trim();
    if (/^[+-]?nan$/i.test(t)) return new Numeric(new Dec(NaN), 0);
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(t)) return null;
    const value = new Dec(t);
    // The display scale comes from the text ('1.50' has scale 2), not from the value.
    const [mantissa = '', exp = '0'] = t.toLowerCase().split('e');
    const point = mantissa.indexOf('.');
    const fraction = point < 0 ? 0 : mantissa.length - point - 1;
    return new Numeric(value, Math.max(0, fraction - Number(exp)));
  }

  static fromBigInt(value: bigint): Numeric {
    return new Numeric(new Dec(value.toString()), 0);
  }

  toString(): string {
    if (this.value.isNaN()) return 'NaN';
    return this.value.toFixed(this.scale);
  }

  isNaN(): boolean {
    return this.value.isNaN();
  }

  /** Rounds to `scale` digits (half away from zero, as PostgreSQL does). */
  round(scale: number): Numeric {
    return new Numeric(this.value.toDecimalPlaces(scale, Decimal.ROUND_HALF_UP), scale);
  }

  add(o: Numeric): Numeric {
    return new Numeric(this.value.plus(o.value), Math.max(this.scale, o.scale));
  }

  sub(o: Numeric): Numeric {
    return new Numeric(this.value.minus(o.value), Math.max(this.scale, o.scale));
  }

  mul(o: Numeric): Numeric {
    return new Numeric(this.value.times(o.value), Math.min(this.scale + o.scale, 16383));
  }

  /** Caller checks for a zero divisor (22012). */
  div(o: Numeric): Numeric {
    const scale = divisionScale(this, o);
    return new Numeric(this.value.dividedBy(o.value).toDecimalPlaces(scale, Decimal.ROUND_HALF_UP), scale);
  }

  mod(o: Numeric): Numeric {
    return new Numeric(this.value.mod(o.value), Math.max(this.scale, o.scale));
  }

  neg(): Numeric {
    return new Numeric(this.value.negated(), this.scale);
  }

  isZero(): boolean {
    return this.value.isZero();
  }

  compare(o: Numeric): number {
    // PostgreSQL orders NaN above every number and equal to itself.
    if (this.isNaN() || o.isNaN()) return this.isNaN() === o.isNaN() ? 0 : this.isNaN() ? 1 : -1;
    return this.value.comparedTo(o.value);
  }

  toNumber(): number {
    return this.value.toNumber();
  }
}

/** PostgreSQL's select_div_scale: weights in base-10000 digits, at least 16 significant digits. */
function divisionScale(a: Numeric, b: Numeric): number {
  const [w1, f1] = weightAndFirstDigit(a.value);
  const [w2, f2] = weightAndFirstDigit(b.value);
  let qweight = w1 - w2;
  if (f1 <= f2) qweight--;
  const scale = Math.max(16 - qweight * 4, a.scale, b.scale, 0);
  return Math.min(scale, 1000);
}

export function weightAndFirstDigit(v: Dec): [number, number] {
  if (v.isZero()) return [0, 0];
  const abs = v.abs();
  const exp = abs.e; // floor(log10(|v|))
  const weight = Math.floor(exp / 4);
  const first = abs.dividedBy(new Dec(10).pow(weight * 4)).floor().toNumber();
  return [weight, first];
}

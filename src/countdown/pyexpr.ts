// A bounded evaluator for the Python 3 arithmetic expressions that TinyZero's reward passes to
// `eval` (paper-facts.md §4). Model output is untrusted text: nothing here calls eval or
// new Function; the text is tokenized and parsed by hand with limits on length, nesting and integer
// size, so every input returns (or throws a PyError) quickly.
//
// Semantics follow CPython for everything the reward's character filter lets through
// (digits, + - * / ( ) . and whitespace):
//   - int literals are arbitrary-precision (BigInt); "012" is a SyntaxError, "00" is 0
//   - float literals "2.5", "2.", ".5" (IEEE double)
//   - + - * on ints stay ints; "/" is true division (correctly rounded to a double); "//" floors;
//     "**" is right-associative, binds tighter than unary minus on its left ("-2**2" is -4), and an
//     int to a negative int power is a float; a negative number to a fractional power is complex
//   - ZeroDivisionError, OverflowError (int too large for a float, float pow overflow) as in CPython
//   - at most 200 nested parentheses ("too many nested parentheses"), as in CPython's tokenizer
//   - "\r" is a newline: allowed inside parentheses, an error outside them
// Deliberate bounds where CPython would keep computing (each only ever changes the score if a
// gigantic intermediate value cancels back to the target): integers are capped at MAX_INT_BITS bits,
// sources at MAX_SOURCE_CHARS characters, and power/parenthesis recursion at MAX_DEPTH.

export type PyValue =
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  | { type: 'complex'; re: number; im: number };

export type PyErrorKind = 'SyntaxError' | 'ZeroDivisionError' | 'OverflowError' | 'TypeError' | 'LimitError';

export class PyError extends Error {
  readonly kind: PyErrorKind;
  constructor(kind: PyErrorKind, message: string) {
    super(`${kind}: ${message}`);
    this.kind = kind;
  }
}

export const MAX_SOURCE_CHARS = 10_000;
export const MAX_INT_BITS = 65_536;
export const MAX_PAREN_DEPTH = 200; // CPython's tokenizer MAXLEVEL
export const MAX_DEPTH = 1_000;

// ---------------------------------------------------------------------------------------------
// Tokens

type Token =
  | { kind: 'int'; text: string }
  | { kind: 'float'; text: string }
  | { kind: 'op'; text: '+' | '-' | '*' | '**' | '/' | '//' | '(' | ')' }
  | { kind: 'end' };

const isDigit = (c: string): boolean => c >= '0' && c <= '9';

function tokenize(src: string): Token[] {
  if (src.length > MAX_SOURCE_CHARS)
    throw new PyError('LimitError', `expression longer than ${MAX_SOURCE_CHARS} characters`);
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      // Implicit line joining inside brackets; outside them a newline ends the only logical line.
      if (depth > 0 || /^[ \t\f\r\n]*$/.test(src.slice(i))) {
        i++;
        continue;
      }
      throw new PyError('SyntaxError', 'invalid syntax (newline in expression)');
    }
    if (isDigit(c) || (c === '.' && i + 1 < n && isDigit(src[i + 1]))) {
      const start = i;
      let isFloat = false;
      while (i < n && isDigit(src[i])) i++;
      if (i < n && src[i] === '.') {
        isFloat = true;
        i++;
        while (i < n && isDigit(src[i])) i++;
      }
      const text = src.slice(start, i);
      if (!isFloat && text.length > 1 && text[0] === '0' && /[1-9]/.test(text)) {
        throw new PyError('SyntaxError', 'leading zeros in decimal integer literals are not permitted');
      }
      tokens.push({ kind: isFloat ? 'float' : 'int', text });
      continue;
    }
    if (c === '*' || c === '/') {
      const doubled = src[i + 1] === c;
      tokens.push({ kind: 'op', text: doubled ? (c === '*' ? '**' : '//') : c });
      i += doubled ? 2 : 1;
      continue;
    }
    if (c === '+' || c === '-') {
      tokens.push({ kind: 'op', text: c });
      i++;
      continue;
    }
    if (c === '(') {
      if (depth >= MAX_PAREN_DEPTH) throw new PyError('SyntaxError', 'too many nested parentheses');
      depth++;
      tokens.push({ kind: 'op', text: '(' });
      i++;
      continue;
    }
    if (c === ')') {
      if (depth === 0) throw new PyError('SyntaxError', "unmatched ')'");
      depth--;
      tokens.push({ kind: 'op', text: ')' });
      i++;
      continue;
    }
    if (c === '.') throw new PyError('SyntaxError', "'.' is not part of a number here");
    const code = c.codePointAt(0) ?? 0;
    throw new PyError(
      'SyntaxError',
      `invalid character U+${code.toString(16).toUpperCase().padStart(4, '0')}`,
    );
  }
  if (depth > 0) throw new PyError('SyntaxError', "'(' was never closed");
  tokens.push({ kind: 'end' });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Numbers

const int = (value: bigint): PyValue => {
  if (bitLength(value) > MAX_INT_BITS)
    throw new PyError('LimitError', `integer larger than 2**${MAX_INT_BITS}`);
  return { type: 'int', value };
};
const float = (value: number): PyValue => ({ type: 'float', value });
const complex = (re: number, im: number): PyValue => ({ type: 'complex', re, im });

export function bitLength(x: bigint): number {
  if (x < 0n) x = -x;
  if (x === 0n) return 0;
  // toString(16) is linear; fine for values bounded by MAX_INT_BITS.
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0], 16)));
}

/** 2**e as a double, exactly, for e in [-1074, 1023]. */
function pow2(e: number): number {
  const view = new DataView(new ArrayBuffer(8));
  if (e >= -1022) view.setUint16(0, (e + 1023) << 4);
  else view.setBigUint64(0, 1n << BigInt(e + 1074));
  return view.getFloat64(0);
}

/** Round q * 2**e (q > 0, with `sticky` meaning "a little more than q") to the nearest double. */
function roundScaled(q: bigint, e: number, sticky: boolean): number {
  const bl = bitLength(q);
  const top = bl - 1 + e; // exponent of the leading bit
  if (top > 1023) return Infinity;
  const keep = top >= -1022 ? 53 : top + 1075; // mantissa bits available (fewer for subnormals)
  if (keep < 0) return 0;
  const drop = bl - keep;
  if (drop <= 0) return Number(q) * pow2(e);
  let mant = q >> BigInt(drop);
  const rem = q & ((1n << BigInt(drop)) - 1n);
  const half = 1n << BigInt(drop - 1);
  if (rem > half || (rem === half && (sticky || (mant & 1n) === 1n))) mant += 1n;
  const value = Number(mant) * pow2(e + drop);
  return value;
}

/** a / b for ints, correctly rounded like CPython's long_true_divide. */
function intTrueDivide(a: bigint, b: bigint): number {
  if (b === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
  if (a === 0n) return b < 0n ? -0 : 0;
  const limit = 1n << 53n;
  const absA = a < 0n ? -a : a;
  const absB = b < 0n ? -b : b;
  const negative = a < 0n !== b < 0n;
  let result: number;
  if (absA <= limit && absB <= limit) {
    result = Number(absA) / Number(absB);
  } else {
    const shift = bitLength(absA) - bitLength(absB) - 55; // quotient gets 55-56 bits
    const num = shift >= 0 ? absA : absA << BigInt(-shift);
    const den = shift >= 0 ? absB << BigInt(shift) : absB;
    const q = num / den;
    result = roundScaled(q, shift, num % den !== 0n);
    if (result === Infinity)
      throw new PyError('OverflowError', 'integer division result too large for a float');
  }
  return negative ? -result : result;
}

function toFloat(v: PyValue): number {
  if (v.type === 'float') return v.value;
  if (v.type === 'int') {
    const f = Number(v.value); // round-half-even, like CPython's PyLong_AsDouble
    if (!Number.isFinite(f)) throw new PyError('OverflowError', 'int too large to convert to float');
    return f;
  }
  throw new PyError('TypeError', 'complex where a real number was expected');
}

function toComplex(v: PyValue): [number, number] {
  return v.type === 'complex' ? [v.re, v.im] : [toFloat(v), 0];
}

function isOddInteger(x: number): boolean {
  return Number.isFinite(x) && Math.abs(x % 2) === 1;
}

function complexMul(a: [number, number], b: [number, number]): [number, number] {
  return [a[0] * b[0] - a[1] * b[1], a[0] * b[1] + a[1] * b[0]];
}

/** CPython's _Py_c_quot (Smith's algorithm). */
function complexDiv(a: [number, number], b: [number, number]): [number, number] {
  const absRe = Math.abs(b[0]);
  const absIm = Math.abs(b[1]);
  if (absRe >= absIm) {
    if (absRe === 0) throw new PyError('ZeroDivisionError', 'complex division by zero');
    const ratio = b[1] / b[0];
    const denom = b[0] + b[1] * ratio;
    return [(a[0] + a[1] * ratio) / denom, (a[1] - a[0] * ratio) / denom];
  }
  if (absIm >= absRe) {
    const ratio = b[0] / b[1];
    const denom = b[0] * ratio + b[1];
    return [(a[0] * ratio + a[1]) / denom, (a[1] * ratio - a[0]) / denom];
  }
  return [NaN, NaN];
}

/** CPython's complex_pow: small integer exponents by repeated squaring, otherwise polar form. */
function complexPow(a: [number, number], b: [number, number]): [number, number] {
  let r: [number, number];
  if (b[1] === 0 && b[0] === Math.floor(b[0]) && Math.abs(b[0]) <= 100) {
    let n = Math.abs(b[0]);
    let p = a;
    r = [1, 0];
    while (n > 0) {
      if (n % 2 === 1) r = complexMul(r, p);
      n = Math.floor(n / 2);
      if (n > 0) p = complexMul(p, p);
    }
    if (b[0] < 0) r = complexDiv([1, 0], r);
  } else {
    if (b[0] === 0 && b[1] === 0) return [1, 0];
    if (a[0] === 0 && a[1] === 0) {
      if (b[1] !== 0 || b[0] < 0)
        throw new PyError('ZeroDivisionError', '0.0 to a negative or complex power');
      return [0, 0];
    }
    const vabs = Math.hypot(a[0], a[1]);
    let len = Math.pow(vabs, b[0]);
    const at = Math.atan2(a[1], a[0]);
    let phase = at * b[0];
    if (b[1] !== 0) {
      len /= Math.exp(at * b[1]);
      phase += b[1] * Math.log(vabs);
    }
    r = [len * Math.cos(phase), len * Math.sin(phase)];
  }
  if (!Number.isFinite(r[0]) || !Number.isFinite(r[1]))
    throw new PyError('OverflowError', 'complex exponentiation');
  return r;
}

/** CPython's float_pow, including its hand-written special cases. */
function floatPow(iv: number, iw: number, v: PyValue, w: PyValue): PyValue {
  if (iw === 0) return float(1);
  if (Number.isNaN(iv)) return float(iv);
  if (Number.isNaN(iw)) return float(iv === 1 ? 1 : iw);
  if (!Number.isFinite(iw)) {
    const a = Math.abs(iv);
    if (a === 1) return float(1);
    return float(iw > 0 === a > 1 ? Math.abs(iw) : 0);
  }
  if (!Number.isFinite(iv)) {
    const odd = isOddInteger(iw);
    if (iw > 0) return float(odd ? iv : Math.abs(iv));
    return float(odd ? (iv < 0 ? -0 : 0) : 0);
  }
  if (iv === 0) {
    if (iw < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
    return float(isOddInteger(iw) ? iv : 0);
  }
  let negate = false;
  if (iv < 0) {
    if (iw !== Math.floor(iw)) {
      const [re, im] = complexPow(toComplex(v), toComplex(w));
      return complex(re, im);
    }
    iv = -iv;
    negate = isOddInteger(iw);
  }
  if (iv === 1) return float(negate ? -1 : 1);
  const ix = Math.pow(iv, iw);
  if (!Number.isFinite(ix)) throw new PyError('OverflowError', 'Numerical result out of range');
  return float(negate ? -ix : ix);
}

function intPow(a: bigint, b: bigint): PyValue {
  if (a === 0n || a === 1n) return int(a);
  if (a === -1n) return int(b % 2n === 0n ? 1n : -1n);
  if (BigInt(bitLength(a) - 1) * b > BigInt(MAX_INT_BITS)) {
    throw new PyError('LimitError', `integer power larger than 2**${MAX_INT_BITS}`);
  }
  return int(a ** b);
}

function floorDivFloat(vx: number, wx: number): number {
  if (wx === 0) throw new PyError('ZeroDivisionError', 'float floor division by zero');
  // CPython's _float_div_mod, keeping only the quotient.
  const mod = vx % wx; // JS % on doubles is C's fmod
  let div = (vx - mod) / wx;
  if (mod && wx < 0 !== mod < 0) div -= 1.0;
  if (div) {
    let floordiv = Math.floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
    return floordiv;
  }
  const sign = vx / wx;
  return sign < 0 || Object.is(sign, -0) ? -0 : 0;
}

export function binaryOp(op: '+' | '-' | '*' | '/' | '//' | '**', a: PyValue, b: PyValue): PyValue {
  if (op === '**') {
    if (a.type === 'int' && b.type === 'int') {
      if (b.value >= 0n) return intPow(a.value, b.value);
      return floatPow(toFloat(a), toFloat(b), a, b);
    }
    if (a.type === 'complex' || b.type === 'complex') {
      const [re, im] = complexPow(toComplex(a), toComplex(b));
      return complex(re, im);
    }
    return floatPow(toFloat(a), toFloat(b), a, b);
  }
  if (a.type === 'int' && b.type === 'int') {
    const x = a.value;
    const y = b.value;
    switch (op) {
      case '+':
        return int(x + y);
      case '-':
        return int(x - y);
      case '*':
        if (bitLength(x) + bitLength(y) > MAX_INT_BITS + 1) {
          throw new PyError('LimitError', `integer larger than 2**${MAX_INT_BITS}`);
        }
        return int(x * y);
      case '/':
        return float(intTrueDivide(x, y));
      case '//': {
        if (y === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
        let q = x / y;
        if (x % y !== 0n && x < 0n !== y < 0n) q -= 1n;
        return int(q);
      }
    }
  }
  if (a.type === 'complex' || b.type === 'complex') {
    const ca = toComplex(a);
    const cb = toComplex(b);
    switch (op) {
      case '+':
        return complex(ca[0] + cb[0], ca[1] + cb[1]);
      case '-':
        return complex(ca[0] - cb[0], ca[1] - cb[1]);
      case '*': {
        const [re, im] = complexMul(ca, cb);
        return complex(re, im);
      }
      case '/': {
        const [re, im] = complexDiv(ca, cb);
        return complex(re, im);
      }
      case '//':
        throw new PyError('TypeError', "unsupported operand type(s) for //: 'complex'");
    }
  }
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+':
      return float(x + y);
    case '-':
      return float(x - y);
    case '*':
      return float(x * y);
    case '/':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
      return float(x / y);
    case '//':
      return float(floorDivFloat(x, y));
  }
}

export function negate(v: PyValue): PyValue {
  if (v.type === 'int') return { type: 'int', value: -v.value };
  if (v.type === 'float') return float(-v.value);
  return complex(-v.re, -v.im);
}

function literal(t: Token): PyValue {
  if (t.kind === 'int') return int(BigInt(t.text));
  if (t.kind === 'float') return float(Number(t.text));
  throw new Error('unreachable');
}

// ---------------------------------------------------------------------------------------------
// Parser (Python's precedence: expr > term > factor > power > atom), evaluating as it goes.

/** Evaluate a Python arithmetic expression. Throws PyError for anything Python would reject. */
export function pyEval(src: string): PyValue {
  const tokens = tokenize(src);
  let pos = 0;
  let depth = 0;
  const peek = (): Token => tokens[pos];
  const isOp = (t: Token, ...texts: string[]): boolean => t.kind === 'op' && texts.includes(t.text);
  const enter = (): void => {
    if (++depth > MAX_DEPTH) throw new PyError('LimitError', 'expression nested too deeply');
  };

  // expr := term (('+' | '-') term)*
  const expr = (): PyValue => {
    let left = term();
    while (isOp(peek(), '+', '-')) {
      const op = (tokens[pos++] as { text: '+' | '-' }).text;
      left = binaryOp(op, left, term());
    }
    return left;
  };
  // term := factor (('*' | '/' | '//') factor)*
  const term = (): PyValue => {
    let left = factor();
    while (isOp(peek(), '*', '/', '//')) {
      const op = (tokens[pos++] as { text: '*' | '/' | '//' }).text;
      left = binaryOp(op, left, factor());
    }
    return left;
  };
  // factor := ('+' | '-')* power   (a loop, so long sign chains cannot exhaust the stack)
  const factor = (): PyValue => {
    let negations = 0;
    while (isOp(peek(), '+', '-')) {
      if ((tokens[pos++] as { text: string }).text === '-') negations++;
    }
    const value = power();
    return negations % 2 === 1 ? negate(value) : value;
  };
  // power := atom ['**' factor]   (right-associative through factor)
  const power = (): PyValue => {
    const base = atom();
    if (!isOp(peek(), '**')) return base;
    pos++;
    enter();
    const exponent = factor();
    depth--;
    return binaryOp('**', base, exponent);
  };
  // atom := NUMBER | '(' expr ')'
  const atom = (): PyValue => {
    const t = tokens[pos];
    let value: PyValue;
    if (t.kind === 'int' || t.kind === 'float') {
      pos++;
      value = literal(t);
    } else if (isOp(t, '(')) {
      pos++;
      if (isOp(peek(), ')')) throw new PyError('TypeError', 'empty tuple in arithmetic');
      enter();
      value = expr();
      depth--;
      if (!isOp(peek(), ')')) throw new PyError('SyntaxError', 'invalid syntax');
      pos++;
    } else {
      throw new PyError('SyntaxError', 'invalid syntax');
    }
    // "2(3)" parses as a call in Python and fails at run time: 'int' object is not callable.
    if (isOp(peek(), '(')) throw new PyError('TypeError', "'int' object is not callable");
    return value;
  };

  const value = expr();
  if (peek().kind !== 'end') throw new PyError('SyntaxError', 'invalid syntax');
  return value;
}

/** Python's repr of a value, for display (floats in the shortest round-trip form, like repr). */
export function pyRepr(v: PyValue): string {
  const f = (x: number): string => {
    if (Number.isNaN(x)) return 'nan';
    if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
    if (Number.isInteger(x) && Math.abs(x) < 1e16)
      return `${x < 0 || Object.is(x, -0) ? '-' : ''}${Math.abs(x)}.0`;
    return String(x);
  };
  if (v.type === 'int') return v.value.toString();
  if (v.type === 'float') return f(v.value);
  return `(${f(v.re)}${v.im < 0 || Object.is(v.im, -0) ? '-' : '+'}${f(Math.abs(v.im))}j)`;
}

/** Python's `abs(value - target) < tolerance`, with the same exceptions (OverflowError). */
export function closeTo(v: PyValue, target: number | bigint, tolerance: number): boolean {
  const t: PyValue =
    typeof target === 'bigint'
      ? { type: 'int', value: target }
      : Number.isSafeInteger(target)
        ? { type: 'int', value: BigInt(target) }
        : float(target);
  const d = binaryOp('-', v, t);
  if (d.type === 'int') return Number(d.value < 0n ? -d.value : d.value) < tolerance;
  if (d.type === 'float') return Math.abs(d.value) < tolerance;
  const m = Math.hypot(d.re, d.im);
  if (m === Infinity && Number.isFinite(d.re) && Number.isFinite(d.im)) {
    throw new PyError('OverflowError', 'absolute value too large');
  }
  return m < tolerance;
}

/**
 * HyperLogLog distinct counter (Flajolet, Fusy, Gandouet, Meunier 2007) with mergeable registers.
 *
 * Precision 12 gives m = 4096 registers and a relative standard error of 1.04 / sqrt(m) ≈ 1.63 %
 * (so about 95 % of estimates fall within ±3.3 %). Small sets (the per-minute groups this
 * platform mostly sees) are counted near-exactly, because few registers collide.
 *
 * Merging is the register-wise maximum: associative, commutative and idempotent, so partial
 * sketches built on any partition of the input merge into the sketch of the whole input, and
 * merging a sketch twice changes nothing. Hashing is MurmurHash3 (x86, 32 bit) of the UTF-8
 * bytes: deterministic across processes, so sketches written by one invocation merge with those
 * of another.
 */

export const HLL_PRECISION = 12;
export const HLL_REGISTERS = 1 << HLL_PRECISION;
/** 1.04 / sqrt(m): the relative standard error of an estimate. */
export const HLL_RELATIVE_STANDARD_ERROR = 1.04 / Math.sqrt(HLL_REGISTERS);

const HASH_BITS = 32;
/** Largest register value: the rank of an all-zero suffix (32 - p bits) plus one. */
const MAX_RANK = HASH_BITS - HLL_PRECISION + 1;
const ALPHA_INF = 1 / (2 * Math.LN2);
const FORMAT_SPARSE = 1;
const FORMAT_DENSE = 2;
const DENSE_BITS_PER_REGISTER = 5; // MAX_RANK = 21 < 32
const DENSE_BYTES = (HLL_REGISTERS * DENSE_BITS_PER_REGISTER) / 8;
const SPARSE_ENTRY_BYTES = 3;

/** σ(x) = x + Σ_{k≥1} x^(2^k)·2^(k-1): the share of empty registers' contribution (infinite for an empty sketch). */
function sigma(x: number): number {
  if (x === 1) return Infinity;
  let y = 1;
  let z = x;
  let previous: number;
  do {
    x *= x;
    previous = z;
    z += x * y;
    y += y;
  } while (z !== previous);
  return z;
}

/** τ(x) = (1 - x - Σ_{k≥1} (1 - x^(2^-k))²·2^-k) / 3: the saturated registers' contribution. */
function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  let previous: number;
  do {
    x = Math.sqrt(x);
    previous = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
  } while (z !== previous);
  return z / 3;
}

/** MurmurHash3 x86_32 of `bytes` (its first `length` bytes). */
export function murmur3(bytes: Uint8Array, seed = 0, length = bytes.length): number {
  let h = seed >>> 0;
  const n = length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = n & 3;
  if (tail > 0) {
    let k = 0;
    if (tail === 3) k ^= bytes[blocks + 2]! << 16;
    if (tail >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const SCRATCH = new Uint8Array(512);

/** MurmurHash3 of a string's UTF-8 bytes, without allocating for short ASCII strings (every id the contract allows). */
export function hashString(value: string): number {
  if (value.length <= SCRATCH.length) {
    let ascii = true;
    for (let i = 0; i < value.length; i++) {
      const c = value.charCodeAt(i);
      if (c > 0x7f) {
        ascii = false;
        break;
      }
      SCRATCH[i] = c;
    }
    if (ascii) return murmur3(SCRATCH, 0, value.length);
  }
  return murmur3(Buffer.from(value, 'utf8'));
}

/** Register index and rank of a 32-bit hash: the first p bits choose the register, the rest give the rank. */
export function registerOf(hash: number): { index: number; rank: number } {
  const index = hash >>> (HASH_BITS - HLL_PRECISION);
  const rest = (hash << HLL_PRECISION) >>> 0;
  return { index, rank: rest === 0 ? MAX_RANK : Math.clz32(rest) + 1 };
}

export class HyperLogLog {
  readonly registers: Uint8Array;

  constructor(registers?: Uint8Array) {
    if (registers && registers.length !== HLL_REGISTERS) {
      throw new RangeError(`HyperLogLog registers must have length ${HLL_REGISTERS} (precision ${HLL_PRECISION}), got ${registers.length}`);
    }
    this.registers = registers ?? new Uint8Array(HLL_REGISTERS);
  }

  add(value: string): this {
    return this.addHash(hashString(value));
  }

  /** Adds a precomputed hashString() result (hash a user id once, add it to many groups). */
  addHash(hash: number): this {
    const index = hash >>> (HASH_BITS - HLL_PRECISION);
    const rest = (hash << HLL_PRECISION) >>> 0;
    const rank = rest === 0 ? MAX_RANK : Math.clz32(rest) + 1;
    if (rank > this.registers[index]!) this.registers[index] = rank;
    return this;
  }

  /** Register-wise maximum, in place: afterwards this sketch counts the union of both inputs. */
  merge(other: HyperLogLog): this {
    const a = this.registers;
    const b = other.registers;
    for (let i = 0; i < HLL_REGISTERS; i++) if (b[i]! > a[i]!) a[i] = b[i]!;
    return this;
  }

  clone(): HyperLogLog {
    return new HyperLogLog(this.registers.slice());
  }

  isEmpty(): boolean {
    return this.registers.every((r) => r === 0);
  }

  /**
   * Estimated number of distinct values added (a float; round for display). Ertl's improved
   * estimator ("New cardinality estimation algorithms for HyperLogLog sketches", 2017): one
   * formula over the register histogram that stays unbiased across the whole range, where the
   * original raw estimate with linear counting below 2.5·m is about 2 % high between 2.5·m and
   * 5·m (measured here: +1.9 % mean error at 10,000 distinct values) and needs a 32-bit range
   * correction at the top.
   */
  estimate(): number {
    const histogram = new Array<number>(MAX_RANK + 1).fill(0);
    for (let i = 0; i < HLL_REGISTERS; i++) histogram[this.registers[i]!]!++;
    const m = HLL_REGISTERS;
    let z = m * tau(1 - histogram[MAX_RANK]! / m);
    for (let k = MAX_RANK - 1; k >= 1; k--) z = 0.5 * (z + histogram[k]!);
    z += m * sigma(histogram[0]! / m);
    return (ALPHA_INF * m * m) / z;
  }

  equals(other: HyperLogLog): boolean {
    for (let i = 0; i < HLL_REGISTERS; i++) if (this.registers[i] !== other.registers[i]) return false;
    return true;
  }

  /**
   * Compact base64 form: sparse (3 bytes per non-zero register) while that is smaller than the
   * 5-bit packed dense form (2,560 bytes), so a group with few users costs a few bytes of state.
   */
  serialize(): string {
    let nonZero = 0;
    for (let i = 0; i < HLL_REGISTERS; i++) if (this.registers[i] !== 0) nonZero++;
    if (nonZero * SPARSE_ENTRY_BYTES < DENSE_BYTES) {
      const out = Buffer.alloc(2 + nonZero * SPARSE_ENTRY_BYTES);
      out[0] = FORMAT_SPARSE;
      out[1] = HLL_PRECISION;
      let o = 2;
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const r = this.registers[i]!;
        if (r === 0) continue;
        const packed = (i << 5) | r;
        out[o++] = packed >>> 16;
        out[o++] = (packed >>> 8) & 0xff;
        out[o++] = packed & 0xff;
      }
      return out.toString('base64');
    }
    const out = Buffer.alloc(2 + DENSE_BYTES);
    out[0] = FORMAT_DENSE;
    out[1] = HLL_PRECISION;
    let bit = 0;
    for (let i = 0; i < HLL_REGISTERS; i++, bit += DENSE_BITS_PER_REGISTER) {
      const r = this.registers[i]!;
      const byte = 2 + (bit >>> 3);
      const shift = bit & 7;
      out[byte] = out[byte]! | ((r << shift) & 0xff);
      if (shift > 8 - DENSE_BITS_PER_REGISTER) out[byte + 1] = out[byte + 1]! | (r >>> (8 - shift));
    }
    return out.toString('base64');
  }

  /** Inverse of serialize(); rejects anything else with the reason. */
  static deserialize(encoded: string): HyperLogLog {
    const bytes = Buffer.from(encoded, 'base64');
    const fail = (why: string): never => {
      throw new Error(`not a serialized HyperLogLog (${why}): ${encoded.length > 40 ? `${encoded.slice(0, 40)}…` : encoded}`);
    };
    if (bytes.length < 2) fail('shorter than its 2-byte header');
    if (bytes[1] !== HLL_PRECISION) fail(`precision ${bytes[1]}, expected ${HLL_PRECISION}`);
    const registers = new Uint8Array(HLL_REGISTERS);
    if (bytes[0] === FORMAT_SPARSE) {
      if ((bytes.length - 2) % SPARSE_ENTRY_BYTES !== 0) fail('sparse body is not a whole number of entries');
      for (let o = 2; o < bytes.length; o += SPARSE_ENTRY_BYTES) {
        const packed = (bytes[o]! << 16) | (bytes[o + 1]! << 8) | bytes[o + 2]!;
        const index = packed >>> 5;
        const rank = packed & 0x1f;
        if (index >= HLL_REGISTERS || rank === 0 || rank > MAX_RANK) fail(`invalid entry index ${index} rank ${rank}`);
        registers[index] = rank;
      }
    } else if (bytes[0] === FORMAT_DENSE) {
      if (bytes.length !== 2 + DENSE_BYTES) fail(`dense body has ${bytes.length - 2} bytes, expected ${DENSE_BYTES}`);
      let bit = 0;
      for (let i = 0; i < HLL_REGISTERS; i++, bit += DENSE_BITS_PER_REGISTER) {
        const byte = 2 + (bit >>> 3);
        const shift = bit & 7;
        let v = bytes[byte]! >>> shift;
        if (shift > 8 - DENSE_BITS_PER_REGISTER) v |= bytes[byte + 1]! << (8 - shift);
        const rank = v & 0x1f;
        if (rank > MAX_RANK) fail(`register ${i} holds ${rank}, above the maximum ${MAX_RANK}`);
        registers[i] = rank;
      }
    } else {
      fail(`unknown format byte ${bytes[0]}`);
    }
    return new HyperLogLog(registers);
  }
}

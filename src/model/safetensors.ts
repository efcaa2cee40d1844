// The safetensors format (huggingface/safetensors), read and written with full validation.
//
//   [8 bytes: header length N, little-endian u64] [N bytes: JSON header, space-padded]
//   [data: each tensor's bytes, little-endian, at header[name].data_offsets = [begin, end)]
//
// The header maps tensor names to {dtype, shape, data_offsets} and may hold "__metadata__" (a map of
// strings). Offsets are relative to the start of the data and must tile it exactly, in order, with no
// gaps or overlaps. F32 and F16 are supported; F16 is converted to and from float32 here.

export type SafetensorsDtype = 'F32' | 'F16';

export interface NamedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, { shape: number[]; data: Float32Array; dtype: SafetensorsDtype }>;
  metadata: Record<string, string>;
}

const MAX_HEADER = 100 * 1024 * 1024;
/** 2 + 9 per layer for the lab's models (64 layers at most); a header of a million entries is refused unread. */
const MAX_TENSORS = 4096;

/** Encode tensors (float32 values) as a safetensors file in the given dtype. */
export function writeSafetensors(
  tensors: NamedTensor[],
  dtype: SafetensorsDtype = 'F32',
  metadata: Record<string, string> = {},
): Uint8Array {
  const width = dtype === 'F32' ? 4 : 2;
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length)
      throw new Error(`tensor ${t.name}: shape [${t.shape}] does not match ${t.data.length} values`);
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + size * width] };
    offset += size * width;
  }
  let json = JSON.stringify(header);
  while ((8 + new TextEncoder().encode(json).length) % 8 !== 0) json += ' ';
  const headerBytes = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + headerBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let at = 8 + headerBytes.length;
  for (const t of tensors) {
    for (let i = 0; i < t.data.length; i++, at += width) {
      if (dtype === 'F32') view.setFloat32(at, t.data[i], true);
      else view.setUint16(at, toHalf(t.data[i]), true);
    }
  }
  return out;
}

/** Decode and validate a safetensors file; throws an Error that says what is wrong. */
export function readSafetensors(bytes: Uint8Array, fileName = 'model.safetensors'): SafetensorsFile {
  const fail = (why: string): never => {
    throw new Error(`${fileName}: ${why}`);
  };
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes long, too short for a safetensors header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > MAX_HEADER) fail(`header length ${headerLength} is implausibly large`);
  if (8 + headerLength > bytes.length)
    fail(`file is truncated: the header needs ${headerLength} bytes but only ${bytes.length - 8} follow`);
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)),
    );
  } catch (err) {
    fail(`header is not valid JSON (${(err as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header must be a JSON object');
  const count = Object.keys(header as object).length;
  if (count > MAX_TENSORS + 1)
    fail(`header lists ${count} entries; a lab model has at most ${MAX_TENSORS} tensors`);
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }[] =
    [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null) fail('__metadata__ must be an object of strings');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} must be a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof info !== 'object' || info === null) fail(`entry ${name} must be an object`);
    if (info.dtype !== 'F32' && info.dtype !== 'F16')
      fail(`tensor ${name} has dtype ${JSON.stringify(info.dtype)}; only F32 and F16 are supported`);
    if (!Array.isArray(info.shape) || info.shape.some((d) => !Number.isInteger(d) || d < 0))
      fail(`tensor ${name} has an invalid shape`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || offsets.some((o) => !Number.isInteger(o) || o < 0))
      fail(`tensor ${name} has invalid data_offsets`);
    const [begin, end] = offsets as number[];
    const width = info.dtype === 'F32' ? 4 : 2;
    const size = (info.shape as number[]).reduce((a, b) => a * b, 1);
    if (end - begin !== size * width)
      fail(
        `tensor ${name}: data_offsets cover ${end - begin} bytes but shape [${info.shape}] of ${info.dtype} needs ${size * width}`,
      );
    if (end > dataLength)
      fail(
        `file is truncated: tensor ${name} ends at byte ${end} of the data but the data has ${dataLength} bytes`,
      );
    entries.push({ name, dtype: info.dtype as SafetensorsDtype, shape: info.shape as number[], begin, end });
  }
  entries.sort((a, b) => a.begin - b.begin);
  let expected = 0;
  for (const e of entries) {
    if (e.begin !== expected)
      fail(`tensor data is not contiguous at ${e.name} (offset ${e.begin}, expected ${expected})`);
    expected = e.end;
  }
  if (expected !== dataLength)
    fail(`${dataLength - expected} bytes after the last tensor are not described by the header`);
  const tensors = new Map<string, { shape: number[]; data: Float32Array; dtype: SafetensorsDtype }>();
  for (const e of entries) {
    const n = (e.end - e.begin) / (e.dtype === 'F32' ? 4 : 2);
    const data = new Float32Array(n);
    const base = dataStart + e.begin;
    for (let i = 0; i < n; i++)
      data[i] =
        e.dtype === 'F32'
          ? view.getFloat32(base + 4 * i, true)
          : fromHalf(view.getUint16(base + 2 * i, true));
    tensors.set(e.name, { shape: e.shape, data, dtype: e.dtype });
  }
  return { tensors, metadata };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 -> IEEE half, round to nearest even (with subnormals, infinities and NaN). */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  e = half >>> 10;
  return sign | (e >= 0x1f ? 0x7c00 : half);
}

/** IEEE half -> float32. */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

// The rollout engine: sampling and teacher-forced log-probs with onnxruntime, fed the lab model's
// current weights at every call (the graph takes them as inputs: exportOnnx's engine variant), so
// one session serves the policy after every update and the frozen reference model.
//
// The runtime is injected by the host (onnxruntime-node in Node, onnxruntime-web in the page):
// nothing here imports onnxruntime, so the browser bundle never sees a Node-only module.
//
// Decoding follows sampling.ts step for step (left-padded prompts, positions that count real
// tokens, tokens drawn on the host with drawToken and the seeded Rng, in row order), so on equal
// logits it draws the same tokens; unlike it, rows that finish leave the batch (once they are a
// quarter of it), so the late steps of a batch of mostly short answers cost only the long ones. The
// cache lives in buffers filled in place (CacheBuffers): the graph reads them and returns only the
// new keys and values, so no step copies the whole cache (docs/TRAINING.md, decision log).

import type { Rng } from '../util/rng';
import { engineWeightInputs, exportOnnx } from './onnx-export';
import { drawToken, leftPad, type SampleOptions, type SampleResult } from './sampling';
import type { ModelConfig, Transformer } from './transformer';

/** The few onnxruntime calls the engine makes (onnxruntime-common's API, shared by node and web). */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
}
export interface OrtSession {
  run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}
export interface OrtRuntime {
  /** A name for reports ("onnxruntime-node 1.30.0, 1 thread"). */
  name: string;
  /**
   * Whether rl.rolloutEngine 'auto' takes this runtime (default yes); 'onnx' always does. A host
   * where the tfjs sampler measured faster says no (docs/BENCHMARKS.md, RL step).
   */
  auto?: boolean;
  createSession(model: Uint8Array): Promise<OrtSession>;
  tensor(type: 'float32', data: Float32Array, dims: readonly number[]): OrtTensor;
  tensor(type: 'int32', data: Int32Array, dims: readonly number[]): OrtTensor;
}

/** A model's weights as the engine graph's inputs (linears transposed to [in, out]). */
export type EngineWeights = Record<string, OrtTensor>;

export class OnnxSampler {
  private released = false;
  private constructor(
    private readonly ort: OrtRuntime,
    private readonly session: OrtSession,
    readonly config: ModelConfig,
    readonly values: boolean,
  ) {}

  /** One session for models of this shape (with a value-head output when `values`). */
  static async create(ort: OrtRuntime, config: ModelConfig, values: boolean): Promise<OnnxSampler> {
    const bytes = exportOnnx({ config, weights: new Map() }, { weightInputs: true, values });
    return new OnnxSampler(ort, await ort.createSession(bytes), config, values);
  }

  /**
   * The current weights of a lab model, read once (after an update, before sampling). A model
   * without a value head (a reference model) is fed zeros there: its values are never read.
   */
  async weightsOf(model: Transformer): Promise<EngineWeights> {
    const feeds: EngineWeights = {};
    const inputs = engineWeightInputs(this.config, this.values);
    for (const { name, dims } of inputs) {
      const hf = name.endsWith('.T') ? name.slice(0, -2) : name;
      const v = model.params.get(hf);
      if (!v && !hf.startsWith('value_head')) throw new Error(`the model has no weight ${hf}`);
      const data = v ? ((await v.data()) as Float32Array) : new Float32Array(dims[0] * (dims[1] ?? 1));
      feeds[name] = this.ort.tensor(
        'float32',
        name.endsWith('.T') ? transpose(data, dims[1], dims[0]) : data,
        dims,
      );
    }
    return feeds;
  }

  /** Sample completions, as sampling.ts's `sample` does (keepLogits and topK are not offered). */
  async sample(
    weights: EngineWeights,
    prompts: readonly (readonly number[])[],
    options: SampleOptions,
    rng: Rng,
  ): Promise<SampleResult> {
    this.check();
    const c = this.config;
    const V = c.vocabSize;
    const H = c.numHeads;
    const hd = c.hiddenSize / H;
    const temperature = options.temperature ?? 1;
    const greedy = options.greedy ?? false;
    const wantValues = (options.values ?? false) && this.values;
    if (options.values && !this.values) throw new Error('this engine was made without the value head');
    if (options.keepLogits || (options.topK ?? 0) > 0)
      throw new Error('the ONNX sampler does not keep logits or sample top-k; use the tfjs sampler');
    const { ids, mask, positions, width } = leftPad(prompts, options.padId);
    if (width + options.maxNewTokens > c.maxPositions)
      throw new Error(
        `prompt (${width}) + maxNewTokens (${options.maxNewTokens}) exceeds the model's ${c.maxPositions} positions`,
      );
    const B = prompts.length;
    const result: SampleResult = {
      tokens: prompts.map(() => []),
      logprobs: prompts.map(() => []),
      finished: new Array(B).fill(false),
    };
    if (wantValues) result.values = prompts.map(() => []);

    // The cache (CacheBuffers), C slots a row to begin with; `slots` holds each cache row's batch
    // row (-1: finished, riding along until finished rows are a quarter of the rows).
    let cache = new CacheBuffers(
      c.numLayers,
      B,
      H,
      hd,
      Math.ceil((width + 1) / CAPACITY_STEP) * CAPACITY_STEP,
    );
    let slots = Array.from({ length: B }, (_, b) => b);
    let dead = 0;
    let total = 0; // slots in use
    const nextPos = positions.map((row) => row[row.length - 1] + 1);
    let feedIds = Int32Array.from(ids.flat());
    let feedPos = Int32Array.from(positions.flat());
    let newMask = Float32Array.from(mask.flat()); // [n, T] for the tokens fed
    let T = width;

    for (let t = 0; t < options.maxNewTokens; t++) {
      const n = slots.length;
      const out = await this.session.run({
        ...weights,
        ...cache.feeds(this.ort, n),
        input_ids: this.ort.tensor('int32', feedIds, [n, T]),
        position_ids: this.ort.tensor('int32', feedPos, [n, T]),
        attention_mask: this.ort.tensor('float32', cache.attention(n, newMask, T), [n, cache.C + T]),
      });
      cache.write(out, n, T, total, newMask);
      total += T;
      const logits = out.logits.data as Float32Array;
      const values = wantValues ? (out.values.data as Float32Array) : null;
      for (let j = 0; j < n; j++) {
        const b = slots[j];
        if (b < 0) continue;
        const { token, logprob } = drawToken(logits, (j * T + T - 1) * V, V, rng, temperature, 0, greedy);
        result.tokens[b].push(token);
        result.logprobs[b].push(logprob);
        if (values && result.values) result.values[b].push(values[j * T + T - 1]);
        if (token === options.eosId) {
          result.finished[b] = true;
          slots[j] = -1;
          dead++;
        }
      }
      if (dead === n || t === options.maxNewTokens - 1) break;
      // Finished rows leave once they are a quarter of the rows (each leaving moves the cache).
      if (dead * 4 >= n) {
        const keep = slots.flatMap((b, j) => (b < 0 ? [] : [j]));
        cache.keepRows(keep);
        slots = keep.map((j) => slots[j]);
        dead = 0;
      }
      if (total === cache.C) cache = cache.withCapacity(cache.C + CAPACITY_STEP, slots.length, total);
      feedIds = Int32Array.from(slots, (b) =>
        b < 0 ? options.padId : result.tokens[b][result.tokens[b].length - 1],
      );
      feedPos = Int32Array.from(slots, (b) => (b < 0 ? 0 : nextPos[b]++));
      newMask = Float32Array.from(slots, (b) => (b < 0 ? 0 : 1));
      T = 1;
    }
    return result;
  }

  /**
   * log p(response token) at temperature T by teacher forcing, for rows of prompt + response (the
   * reference model's log-probs of a batch of rollouts). Rows run in batches of similar length
   * (sorted), so short rows are not padded to the longest.
   */
  async responseLogprobs(
    weights: EngineWeights,
    rows: readonly { prompt: readonly number[]; response: readonly number[] }[],
    padId: number,
    temperature = 1,
    batchSize = 16,
  ): Promise<number[][]> {
    this.check();
    const c = this.config;
    const V = c.vocabSize;
    const hd = c.hiddenSize / c.numHeads;
    const out: number[][] = new Array(rows.length);
    const length = (i: number) => rows[i].prompt.length + rows[i].response.length;
    const order = rows.map((_, i) => i).sort((a, b) => length(b) - length(a) || a - b);
    for (let s = 0; s < order.length; s += batchSize) {
      const which = order.slice(s, s + batchSize);
      const chunk = which.map((i) => rows[i]);
      const B = chunk.length;
      const W = Math.max(...chunk.map((r) => r.prompt.length + r.response.length));
      const ids = new Int32Array(B * W).fill(padId);
      const pos = new Int32Array(B * W);
      const mask = new Float32Array(B * W);
      chunk.forEach((r, b) => {
        const seq = [...r.prompt, ...r.response];
        seq.forEach((id, j) => {
          ids[b * W + j] = id;
          pos[b * W + j] = j;
          mask[b * W + j] = 1;
        });
      });
      const empty = new CacheBuffers(c.numLayers, B, c.numHeads, hd, 1); // one slot, masked
      const res = await this.session.run({
        ...weights,
        ...empty.feeds(this.ort, B),
        input_ids: this.ort.tensor('int32', ids, [B, W]),
        position_ids: this.ort.tensor('int32', pos, [B, W]),
        attention_mask: this.ort.tensor('float32', empty.attention(B, mask, W), [B, W + 1]),
      });
      const logits = res.logits.data as Float32Array;
      chunk.forEach((r, b) => {
        const P = r.prompt.length;
        out[which[b]] = r.response.map((tok, j) =>
          logprobAt(logits, (b * W + P - 1 + j) * V, V, tok, temperature),
        );
      });
    }
    return out;
  }

  /** Release the session (the engine cannot be used afterwards). */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }

  private check(): void {
    if (this.released) throw new Error('the ONNX sampler was released');
  }
}

/** Slots added to the cache buffers each time they fill up. */
const CAPACITY_STEP = 32;

/**
 * The sampler's key/value cache: per layer, keys [rows, H, hd, C] and values [rows, H, C, hd] in
 * buffers fed to the graph as they are and filled in place with each step's new keys and values;
 * `mask` [rows, C] marks the slots that hold a key.
 */
class CacheBuffers {
  readonly keys: Float32Array[];
  readonly values: Float32Array[];
  readonly mask: Float32Array;
  constructor(
    readonly layers: number,
    rows: number,
    readonly H: number,
    readonly hd: number,
    readonly C: number,
  ) {
    this.keys = Array.from({ length: layers }, () => new Float32Array(rows * H * hd * C));
    this.values = Array.from({ length: layers }, () => new Float32Array(rows * H * C * hd));
    this.mask = new Float32Array(rows * C);
  }

  /** The first n rows as the graph's past_key_values inputs. */
  feeds(ort: OrtRuntime, n: number): Record<string, OrtTensor> {
    const size = this.H * this.hd * this.C;
    const feeds: Record<string, OrtTensor> = {};
    for (let i = 0; i < this.layers; i++) {
      feeds[`past_key_values.${i}.key_t`] = ort.tensor('float32', this.keys[i].subarray(0, n * size), [
        n,
        this.H,
        this.hd,
        this.C,
      ]);
      feeds[`past_key_values.${i}.value`] = ort.tensor('float32', this.values[i].subarray(0, n * size), [
        n,
        this.H,
        this.C,
        this.hd,
      ]);
    }
    return feeds;
  }

  /** The attention mask [n, C + T]: the slots that hold a key, then the T new tokens' mask [n, T]. */
  attention(n: number, newMask: Float32Array, T: number): Float32Array {
    const { C } = this;
    const out = new Float32Array(n * (C + T));
    for (let j = 0; j < n; j++) {
      out.set(this.mask.subarray(j * C, (j + 1) * C), j * (C + T));
      out.set(newMask.subarray(j * T, (j + 1) * T), j * (C + T) + C);
    }
    return out;
  }

  /** Store the T new keys and values of n rows (the graph's new.{i}.* outputs) and their mask at slots at.. */
  write(out: Record<string, OrtTensor>, n: number, T: number, at: number, newMask: Float32Array): void {
    const { H, hd, C } = this;
    for (let i = 0; i < this.layers; i++) {
      const k = out[`new.${i}.key_t`].data as Float32Array; // [n, H, hd, T]
      const v = out[`new.${i}.value`].data as Float32Array; // [n, H, T, hd]
      const keys = this.keys[i];
      for (let rh = 0; rh < n * H; rh++) {
        for (let d = 0; d < hd; d++)
          keys.set(k.subarray((rh * hd + d) * T, (rh * hd + d + 1) * T), (rh * hd + d) * C + at);
        this.values[i].set(v.subarray(rh * T * hd, (rh + 1) * T * hd), (rh * C + at) * hd);
      }
    }
    for (let j = 0; j < n; j++) this.mask.set(newMask.subarray(j * T, (j + 1) * T), j * C + at);
  }

  /** Keep the rows `keep` (ascending), moved to the front. */
  keepRows(keep: readonly number[]): void {
    const size = this.H * this.hd * this.C;
    for (const buf of [...this.keys, ...this.values])
      keep.forEach((j, r) => {
        if (j !== r) buf.copyWithin(r * size, j * size, (j + 1) * size);
      });
    keep.forEach((j, r) => {
      if (j !== r) this.mask.copyWithin(r * this.C, j * this.C, (j + 1) * this.C);
    });
  }

  /** The same n rows' first `used` slots in buffers of capacity C. */
  withCapacity(C: number, n: number, used: number): CacheBuffers {
    const { H, hd } = this;
    const next = new CacheBuffers(this.layers, n, H, hd, C);
    for (let i = 0; i < this.layers; i++)
      for (let rh = 0; rh < n * H; rh++) {
        for (let d = 0; d < hd; d++)
          next.keys[i].set(
            this.keys[i].subarray((rh * hd + d) * this.C, (rh * hd + d) * this.C + used),
            (rh * hd + d) * C,
          );
        next.values[i].set(this.values[i].subarray(rh * this.C * hd, (rh * this.C + used) * hd), rh * C * hd);
      }
    for (let j = 0; j < n; j++) next.mask.set(this.mask.subarray(j * this.C, j * this.C + used), j * C);
    return next;
  }
}

/** log softmax(logits / T)[token] over one row of V logits, as drawToken computes it. */
function logprobAt(logits: Float32Array, offset: number, V: number, token: number, t: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[offset + i] / t);
  let z = 0;
  for (let i = 0; i < V; i++) z += Math.exp(logits[offset + i] / t - max);
  return logits[offset + token] / t - (max + Math.log(z));
}

/** [rows, cols] -> [cols, rows]. */
function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

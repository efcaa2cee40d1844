// The rollout engine: sampling and teacher-forced log-probs with onnxruntime, fed the lab model's
// current weights at every call (the graph takes them as inputs: exportOnnx's engine variant), so
// one session serves the policy after every update and the frozen reference model.
//
// The runtime is injected by the host (onnxruntime-node in Node, onnxruntime-web in the page):
// nothing here imports onnxruntime, so the browser bundle never sees a Node-only module.
//
// Decoding follows sampling.ts step for step (left-padded prompts, positions that count real
// tokens, tokens drawn on the host with drawToken and the seeded Rng, in row order), so on equal
// logits it draws the same tokens; unlike it, rows that finish leave the batch (their cache rows are
// dropped), so the late steps of a batch of mostly short answers cost only the long ones.

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

    // The live rows (indices into the batch) and their state, in the order the cache holds them.
    let live = Array.from({ length: B }, (_, b) => b);
    // The key mask [n, total] of the live rows, grown by one column per step.
    let keyMask = Float32Array.from(mask.flat());
    let total = width;
    const nextPos = positions.map((row) => row[row.length - 1] + 1);
    let past: Record<string, OrtTensor> = {};
    for (let i = 0; i < c.numLayers; i++)
      for (const kv of ['key', 'value'])
        past[`past_key_values.${i}.${kv}`] = this.ort.tensor('float32', new Float32Array(0), [B, H, 0, hd]);
    let feedIds = Int32Array.from(ids.flat());
    let feedPos = Int32Array.from(positions.flat());
    let T = width;

    for (let t = 0; t < options.maxNewTokens; t++) {
      const n = live.length;
      const out = await this.session.run({
        ...weights,
        ...past,
        input_ids: this.ort.tensor('int32', feedIds, [n, T]),
        position_ids: this.ort.tensor('int32', feedPos, [n, T]),
        attention_mask: this.ort.tensor('float32', keyMask, [n, total]),
      });
      const logits = out.logits.data as Float32Array;
      const values = wantValues ? (out.values.data as Float32Array) : null;
      const nextIds: number[] = [];
      const keep: number[] = []; // positions in `live` of rows that go on
      for (let j = 0; j < n; j++) {
        const b = live[j];
        const { token, logprob } = drawToken(logits, (j * T + T - 1) * V, V, rng, temperature, 0, greedy);
        result.tokens[b].push(token);
        result.logprobs[b].push(logprob);
        if (values && result.values) result.values[b].push(values[j * T + T - 1]);
        if (token === options.eosId) result.finished[b] = true;
        else {
          keep.push(j);
          nextIds.push(token);
        }
      }
      if (keep.length === 0 || t === options.maxNewTokens - 1) break;
      // The next step's cache: the present keys and values of the rows that go on.
      past = {};
      for (let i = 0; i < c.numLayers; i++)
        for (const kv of ['key', 'value']) {
          const present = out[`present.${i}.${kv}`];
          past[`past_key_values.${i}.${kv}`] =
            keep.length === n
              ? present
              : this.ort.tensor('float32', rows(present, keep), [keep.length, H, total, hd]);
        }
      live = keep.map((j) => live[j]);
      const grown = new Float32Array(keep.length * (total + 1));
      keep.forEach((j, k) => {
        grown.set(keyMask.subarray(j * total, (j + 1) * total), k * (total + 1));
        grown[k * (total + 1) + total] = 1;
      });
      keyMask = grown;
      total += 1;
      feedIds = Int32Array.from(nextIds);
      feedPos = Int32Array.from(live.map((b) => nextPos[b]++));
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
      const past: Record<string, OrtTensor> = {};
      for (let i = 0; i < c.numLayers; i++)
        for (const kv of ['key', 'value'])
          past[`past_key_values.${i}.${kv}`] = this.ort.tensor('float32', new Float32Array(0), [
            B,
            c.numHeads,
            0,
            hd,
          ]);
      const res = await this.session.run({
        ...weights,
        ...past,
        input_ids: this.ort.tensor('int32', ids, [B, W]),
        position_ids: this.ort.tensor('int32', pos, [B, W]),
        attention_mask: this.ort.tensor('float32', mask, [B, W]),
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

/** log softmax(logits / T)[token] over one row of V logits, as drawToken computes it. */
function logprobAt(logits: Float32Array, offset: number, V: number, token: number, t: number): number {
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[offset + i] / t);
  let z = 0;
  for (let i = 0; i < V; i++) z += Math.exp(logits[offset + i] / t - max);
  return logits[offset + token] / t - (max + Math.log(z));
}

/** The rows `keep` of a [B, ...] tensor's data (rows are contiguous). */
function rows(t: OrtTensor, keep: readonly number[]): Float32Array {
  const data = t.data as Float32Array;
  const size = data.length / t.dims[0];
  const out = new Float32Array(keep.length * size);
  keep.forEach((j, k) => out.set(data.subarray(j * size, (j + 1) * size), k * size));
  return out;
}

/** [rows, cols] -> [cols, rows]. */
function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
  return out;
}

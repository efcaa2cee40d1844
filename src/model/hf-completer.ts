// Pretrained ONNX models through @huggingface/transformers: load one (from a local folder by default,
// from the Hugging Face Hub only when asked), and complete Countdown prompts with it.
//
// Kept out of src/model/index.ts on purpose: transformers.js and onnxruntime are large, and only the
// survey (its worker, the `survey` CLI and tests) needs them; the trainer must not pull them in.
//
// Sampling is seeded: transformers.js draws from its own Mersenne Twister (`random`), which we seed
// before every call from the lab's Rng, so a survey is reproducible from its seed.

import {
  AutoModelForCausalLM,
  AutoTokenizer,
  BaseStreamer,
  env,
  random,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type ProgressInfo,
  type Tensor,
  type TextStreamer,
} from '@huggingface/transformers';
import { formatPrompt, tinyzeroPrompt, type Problem } from '../countdown';
import { Rng } from '../util/rng';
import { pythonList } from '../countdown/prompt';

/** Where the model files come from. Only `hub` may touch the network. */
export type HfSource =
  | { kind: 'local'; root: string; name: string } // root: a folder (Node) or URL path ('/models/')
  | { kind: 'memory'; name: string; files: Map<string, Uint8Array> } // e.g. a lab model exported in the page
  | { kind: 'hub'; id: string };

/** Where the first whole path segment `name` of `path` starts, or -1. */
function segmentStart(path: string, name: string): number {
  let at = 0;
  for (const segment of path.split('/')) {
    if (segment === name) return at;
    at += segment.length + 1;
  }
  return -1;
}

/** Serves a model's files from memory to transformers.js through its custom-cache hook. */
class MemoryFiles {
  constructor(
    private readonly name: string,
    private readonly files: Map<string, Uint8Array>,
  ) {}
  // transformers.js asks by local path ("<root>/<name>/<file>") and by Hub-style key
  // (".../<name>/resolve/main/<file>"); both name the same file.
  async match(request: string): Promise<Response | undefined> {
    // The first path segment equal to the name: a run called "x" must not match inside "onnx/".
    const at = segmentStart(request, this.name);
    if (at < 0) return undefined;
    const file = request.slice(at + this.name.length + 1).replace(/^resolve\/main\//, '');
    const bytes = this.files.get(file);
    return bytes
      ? new Response(bytes as Uint8Array<ArrayBuffer>, {
          headers: { 'content-length': String(bytes.length) },
        })
      : undefined;
  }
  async put(): Promise<void> {}
}

/** The local root for in-memory models: a scheme fetch refuses, so a missing file is never requested. */
const MEMORY_ROOT = 'habits-lab-memory:/';
const MEMORY_ID = 'lab-model';

/** How a problem becomes a prompt: the lab's compact prompt, TinyZero's base prompt, or a chat turn. */
export type PromptStyle = 'compact' | 'tinyzero' | 'chat';

export interface HfLoadOptions {
  source: HfSource;
  /** 'webgpu' or 'wasm' in the browser; 'cpu' in Node. */
  device?: 'webgpu' | 'wasm' | 'cpu';
  /** Weight precision of the ONNX file to fetch (Hub models often ship q4/q8 variants). */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'q4';
  onProgress?: (info: ProgressInfo) => void;
}

export interface HfModel {
  name: string;
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  style: PromptStyle;
  dispose(): Promise<void>;
}

/**
 * Load a text-generation model. Remote loading is switched on for this one call only when the source
 * is the Hub, so nothing else in the lab can reach the network by accident.
 */
export async function loadHfModel(opts: HfLoadOptions): Promise<HfModel> {
  const { source } = opts;
  const saved = { useCustomCache: env.useCustomCache, customCache: env.customCache };
  env.allowRemoteModels = source.kind === 'hub';
  env.allowLocalModels = source.kind !== 'hub';
  if (source.kind === 'local')
    env.localModelPath = source.root.endsWith('/') ? source.root : `${source.root}/`;
  if (source.kind === 'memory') {
    env.localModelPath = MEMORY_ROOT;
    env.useCustomCache = true;
    env.customCache = new MemoryFiles(MEMORY_ID, source.files);
  }
  // An in-memory model is asked for under a fixed id: a run's name may hold "/" or spaces, or be a
  // folder name that transformers.js also uses ("onnx").
  const id = source.kind === 'hub' ? source.id : source.kind === 'memory' ? MEMORY_ID : source.name;
  const shownName = source.kind === 'hub' ? source.id : source.name;
  try {
    const tokenizer = await AutoTokenizer.from_pretrained(id, { progress_callback: opts.onProgress });
    const model = await AutoModelForCausalLM.from_pretrained(id, {
      dtype: opts.dtype ?? 'fp32',
      device: opts.device,
      progress_callback: opts.onProgress,
    });
    return {
      name: shownName,
      tokenizer,
      model,
      style: promptStyle(model, tokenizer),
      dispose: async () => void (await model.dispose()),
    };
  } catch (err) {
    throw new Error(
      source.kind === 'hub'
        ? `could not load "${id}" from the Hugging Face Hub: ${(err as Error).message}`
        : `could not load the model "${shownName}"${source.kind === 'local' ? ` from ${source.root}` : ''}: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    env.allowRemoteModels = false;
    env.useCustomCache = saved.useCustomCache;
    env.customCache = saved.customCache;
  }
}

/** The lab's own models say which prompt they were trained on; instruct models get their chat template. */
export function promptStyle(model: PreTrainedModel, tokenizer: PreTrainedTokenizer): PromptStyle {
  const lab = (model.config as unknown as { habits_lab?: { prompt_format?: string } }).habits_lab;
  if (lab) return lab.prompt_format === 'tinyzero' ? 'tinyzero' : 'compact';
  return tokenizer.chat_template ? 'chat' : 'tinyzero';
}

/** TinyZero's instruct-model prompt: the same question as a user turn, the answer primed the same way. */
export function chatPrompt(tokenizer: PreTrainedTokenizer, p: Problem): string {
  const question =
    `Using the numbers ${pythonList(p.numbers)}, create an equation that equals ${p.target}. ` +
    'You can use basic arithmetic operations (+, -, *, /) and each number can only be used once. ' +
    'Show your work in <think> </think> tags. And return the final answer in <answer> </answer> tags, ' +
    'for example <answer> (1 + 2) / 3 </answer>.';
  const text = tokenizer.apply_chat_template(
    [
      {
        role: 'system',
        content:
          'You are a helpful assistant. You first think about the reasoning process in the mind and then provide the user with the answer.',
      },
      { role: 'user', content: question },
    ],
    { tokenize: false, add_generation_prompt: true },
  ) as string;
  return `${text}Let me solve this step by step.\n<think>`;
}

/** Calls back with row 0's text as it grows (the K rows of a batch advance together). */
class FirstRowStreamer extends BaseStreamer {
  private ids: bigint[] = [];
  private shown = 0;
  private seenPrompt = false;
  constructor(
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly onText: (text: string) => void,
  ) {
    super();
  }
  override put(value: bigint[][]): void {
    if (!this.seenPrompt) {
      this.seenPrompt = true; // the first call carries the prompt
      return;
    }
    this.ids.push(...value[0]);
    const text = this.tokenizer.decode(this.ids, { skip_special_tokens: true });
    if (text.length > this.shown) {
      this.onText(text.slice(this.shown));
      this.shown = text.length;
    }
  }
  override end(): void {}
}

export interface CompleteOptions {
  maxNewTokens: number;
  /** Seed for this survey; each call draws its own seed from it in order. */
  seed: number;
}

/** A survey Completer over a loaded transformers.js model. */
export class HfCompleter {
  private readonly rng: Rng;
  constructor(
    readonly hf: HfModel,
    readonly options: CompleteOptions,
  ) {
    this.rng = new Rng(options.seed).fork('hf-completer');
  }

  prompt(problem: Problem): string {
    const { style, tokenizer } = this.hf;
    if (style === 'chat') return chatPrompt(tokenizer, problem);
    return style === 'tinyzero' ? tinyzeroPrompt(problem) : formatPrompt(problem, 'compact');
  }

  /** K samples at temperature 1 from the full distribution (no top-k), like the paper's rollouts. */
  async complete(prompt: string, k: number, onToken?: (text: string) => void): Promise<string[]> {
    random.seed(this.rng.nextUint32());
    return this.generate(prompt, k, true, onToken);
  }

  /** The most likely continuation, one token at a time. */
  async greedy(prompt: string, onToken?: (text: string) => void): Promise<string> {
    return (await this.generate(prompt, 1, false, onToken))[0];
  }

  /** Token ids of the greedy continuation (for parity tests against the tfjs model). */
  async greedyIds(prompt: string, maxNewTokens = this.options.maxNewTokens): Promise<number[]> {
    const { tokenizer, model } = this.hf;
    const inputs = tokenizer(prompt, { add_special_tokens: this.hf.style === 'tinyzero' });
    const promptLength = (inputs.input_ids as Tensor).dims[1];
    const out = (await model.generate({
      ...inputs,
      max_new_tokens: this.newTokens(promptLength, maxNewTokens),
      do_sample: false,
    })) as Tensor;
    return Array.from(out.data as BigInt64Array, Number).slice(promptLength);
  }

  /**
   * The budget, cut to the positions the model has left after the prompt: past them a lab model's
   * position table has no row, and onnxruntime fails with an index error deep in the graph.
   */
  private newTokens(promptLength: number, wanted: number): number {
    const positions = (this.hf.model.config as unknown as { max_position_embeddings?: number })
      .max_position_embeddings;
    if (positions === undefined) return wanted;
    if (promptLength >= positions)
      throw new Error(`the prompt is ${promptLength} tokens and ${this.hf.name} reads at most ${positions}`);
    return Math.min(wanted, positions - promptLength);
  }

  private async generate(
    prompt: string,
    k: number,
    sample: boolean,
    onToken?: (text: string) => void,
  ): Promise<string[]> {
    const { tokenizer, model, style } = this.hf;
    // A chat prompt already holds its special tokens; the lab's tokenizer has none to add.
    const inputs = tokenizer(
      Array.from({ length: k }, () => prompt),
      {
        add_special_tokens: style === 'tinyzero',
      },
    );
    const ids = inputs.input_ids as Tensor;
    const promptLength = ids.dims[1];
    const out = (await model.generate({
      ...inputs,
      max_new_tokens: this.newTokens(promptLength, this.options.maxNewTokens),
      do_sample: sample,
      temperature: 1,
      top_k: 0,
      // generate() types its streamer as a TextStreamer but only calls put() and end().
      streamer: onToken ? (new FirstRowStreamer(tokenizer, onToken) as unknown as TextStreamer) : undefined,
    })) as Tensor;
    const width = out.dims[1];
    const data = out.data as BigInt64Array;
    const texts: string[] = [];
    for (let row = 0; row < k; row++) {
      const completion = Array.from(data.subarray(row * width + promptLength, (row + 1) * width), Number);
      texts.push(tokenizer.decode(completion, { skip_special_tokens: true }));
    }
    return texts;
  }
}

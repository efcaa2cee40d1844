// `npx tsx bench/base-world.ts OUT NUMBER_MIN NUMBER_MAX TARGET_MIN TARGET_MAX [COUNT] [SIZE]`: not a
// benchmark but the experiment behind docs/REPLICATION.md (item 56): a base model pretrained as
// `habits-lab models` pretrains the shipped one (BASE_RECIPE), in another world (3 numbers by
// default, nano), for `habits-lab replicate --base OUT` with the same ranges.
import { baseCorpus } from '../src/behaviors';
import { labTokenizer } from '../src/behaviors/vocabulary';
import { BASE_RECIPE } from '../src/lab';
import { modelConfig, saveCheckpoint, selectBackend, Transformer, transformersJsFolder } from '../src/model';
import { SIZE_NAMES, type SizePreset } from '../src/model/names';
import { writeFolder } from '../src/model/node-files';
import { runSft } from '../src/rl';
import { Rng } from '../src/util/rng';

const [out, ...rest] = process.argv.slice(2);
const [numberMin, numberMax, targetMin, targetMax, count = 3] = rest.slice(0, 5).map(Number);
const size = (rest[5] ?? 'nano') as SizePreset;
if (!out || [numberMin, numberMax, targetMin, targetMax, count].some((v) => !Number.isInteger(v)))
  throw new Error('usage: base-world.ts OUT NUMBER_MIN NUMBER_MAX TARGET_MIN TARGET_MAX [COUNT] [SIZE]');
if (!SIZE_NAMES.includes(size)) throw new Error(`SIZE must be one of ${SIZE_NAMES.join(', ')}`);
const ranges = { numberMin, numberMax, targetMin, targetMax, counts: [count] };

await selectBackend('auto');
const tokenizer = labTokenizer();
const model = Transformer.init(
  modelConfig(tokenizer.size, size),
  new Rng(BASE_RECIPE.seed).fork('base-init').nextUint32(),
);
const corpus = baseCorpus({ n: BASE_RECIPE.examples, seed: BASE_RECIPE.seed, preset: 'easy', ranges });
const t0 = Date.now();
const minutes = () => ((Date.now() - t0) / 60_000).toFixed(1);
await runSft(model, tokenizer, corpus, BASE_RECIPE, new Rng(BASE_RECIPE.seed).fork('base-sft'), {
  onProgress: (p) => {
    if (p.step % 500 === 0)
      console.log(`step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)} ${minutes()} min`);
    if (p.heldOutLoss !== undefined)
      console.log(`epoch ${p.epoch}: held-out loss ${p.heldOutLoss.toFixed(3)}`);
  },
});
const files = await saveCheckpoint(model, tokenizer, {
  made_by: 'bench/base-world.ts',
  role: 'base',
  prompt_format: 'compact',
  recipe: JSON.stringify({ ...BASE_RECIPE, ranges, size }),
});
model.dispose();
writeFolder(out, new Map([...files, ...transformersJsFolder(files)]));
console.log(`wrote ${out} in ${minutes()} min`);

// `npx tsx bench/base-world.ts OUT NUMBER_MIN NUMBER_MAX TARGET_MIN TARGET_MAX [COUNT] [SIZE] [LR] [EPOCHS] [THREADS]`:
// not a benchmark but the experiment behind docs/REPLICATION.md (item 56): a base model pretrained
// as `habits-lab models` pretrains the shipped one (BASE_RECIPE, or its peak rate LR and EPOCHS), in another
// world (3 numbers by default, nano), for `habits-lab replicate --base OUT` with the same ranges; THREADS 2
// computes each batch's gradients on two cores (a stopped run goes on with either).
import { trainBase } from '../src/cli/commands/models';
import { BASE_RECIPE } from '../src/lab';
import { SIZE_NAMES, type SizePreset } from '../src/model/names';

const [out, ...rest] = process.argv.slice(2);
const [numberMin, numberMax, targetMin, targetMax, count = 3] = rest.slice(0, 5).map(Number);
const size = (rest[5] ?? 'nano') as SizePreset;
const lr = rest[6] === undefined ? BASE_RECIPE.lr : Number(rest[6]);
const epochs = rest[7] === undefined ? BASE_RECIPE.epochs : Number(rest[7]);
const threads = rest[8] === undefined ? 1 : Number(rest[8]);
if (!out || [numberMin, numberMax, targetMin, targetMax, count].some((v) => !Number.isInteger(v)))
  throw new Error(
    'usage: base-world.ts OUT NUMBER_MIN NUMBER_MAX TARGET_MIN TARGET_MAX [COUNT] [SIZE] [LR] [EPOCHS] [THREADS]',
  );
if (!SIZE_NAMES.includes(size)) throw new Error(`SIZE must be one of ${SIZE_NAMES.join(', ')}`);
if (!(lr > 0 && lr < 1)) throw new Error(`LR must be a learning rate between 0 and 1, not ${rest[6]}`);
if (!(Number.isInteger(epochs) && epochs > 0))
  throw new Error(`EPOCHS must be a whole number above 0, not ${rest[7]}`);
if (threads !== 1 && threads !== 2) throw new Error(`THREADS must be 1 or 2, not ${rest[8]}`);
const ranges = { numberMin, numberMax, targetMin, targetMax, counts: [count] };
const training = { ...BASE_RECIPE, lr, epochs };
if (!(await trainBase(out, { world: { preset: 'easy', ranges, size }, training, threads })))
  process.exitCode = 130;

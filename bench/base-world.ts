// `npx tsx bench/base-world.ts OUT NUMBER_MIN NUMBER_MAX TARGET_MIN TARGET_MAX [COUNT] [SIZE]`: not a
// benchmark but the experiment behind docs/REPLICATION.md (item 56): a base model pretrained as
// `habits-lab models` pretrains the shipped one (BASE_RECIPE), in another world (3 numbers by
// default, nano), for `habits-lab replicate --base OUT` with the same ranges.
import { trainBase } from '../src/cli/commands/models';
import { SIZE_NAMES, type SizePreset } from '../src/model/names';

const [out, ...rest] = process.argv.slice(2);
const [numberMin, numberMax, targetMin, targetMax, count = 3] = rest.slice(0, 5).map(Number);
const size = (rest[5] ?? 'nano') as SizePreset;
if (!out || [numberMin, numberMax, targetMin, targetMax, count].some((v) => !Number.isInteger(v)))
  throw new Error('usage: base-world.ts OUT NUMBER_MIN NUMBER_MAX TARGET_MIN TARGET_MAX [COUNT] [SIZE]');
if (!SIZE_NAMES.includes(size)) throw new Error(`SIZE must be one of ${SIZE_NAMES.join(', ')}`);
const ranges = { numberMin, numberMax, targetMin, targetMax, counts: [count] };
if (!(await trainBase(out, { world: { preset: 'easy', ranges, size } }))) process.exitCode = 130;

// Classifier throughput on the lab's own traces (all conditions mixed).
// Run: npx tsx bench/classifier-throughput.ts
import { classify, CONDITIONS, primeData } from '../src/behaviors';

const texts = CONDITIONS.flatMap((condition) => primeData({ condition, n: 2000, seed: 5, preset: 'paper' }));
for (let round = 0; round < 3; round++) {
  const t0 = performance.now();
  let total = 0;
  for (const e of texts) total += classify(e.completion, e).counts.backtracking;
  const dt = (performance.now() - t0) / 1000;
  console.log(
    `round ${round}: ${texts.length} traces in ${dt.toFixed(2)} s = ${Math.round(texts.length / dt)} traces/s (checksum ${total})`,
  );
}

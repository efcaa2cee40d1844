// `npm run kernels`: compiles the lab's wasm kernels (batch-matmul.wat) with wabt and writes their
// bytes, base64, into batch-matmul-wasm.ts, which the page and Node load without wabt.
// tests/model/batch-matmul.test.ts checks that the file written matches the source.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
export const WASM_MODULE_FILE = here('./batch-matmul-wasm.ts');

/** The kernel's bytes, base64: `plain` imports an unshared memory, `shared` a shared one. */
export async function compileKernels(): Promise<{ plain: string; shared: string }> {
  const wabt = await wabtInit();
  const source = readFileSync(here('./batch-matmul.wat'), 'utf8');
  const compile = (text: string, validate: boolean): string => {
    const module = wabt.parseWat('batch-matmul.wat', text, { simd: true, threads: true });
    try {
      if (validate) module.validate();
      return Buffer.from(module.toBinary({}).buffer).toString('base64');
    } finally {
      module.destroy();
    }
  };
  const unshared = '(memory 1))';
  if (!source.includes(unshared)) throw new Error(`batch-matmul.wat: no "${unshared}" memory import`);
  // The shared import's maximum is the largest a memory can have, so any shared memory matches it.
  // wabt.js validates with its default features, which refuse shared memories: the code is the
  // plain variant's, validated there (the tests instantiate both).
  const shared = source.replace(unshared, '(memory 1 65536 shared))');
  return { plain: compile(source, true), shared: compile(shared, false) };
}

export function moduleText(bytes: { plain: string; shared: string }): string {
  return [
    '// Written by `npm run kernels` (src/model/kernels/build.ts) from batch-matmul.wat: do not edit.',
    `export const BATCH_MATMUL_WASM = {`,
    `  plain:`,
    `    '${bytes.plain}',`,
    `  shared:`,
    `    '${bytes.shared}',`,
    `};`,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(WASM_MODULE_FILE, moduleText(await compileKernels()));
  console.log(`wrote ${WASM_MODULE_FILE}`);
}

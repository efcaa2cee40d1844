// A class's result files: many JSON files, or zips of them, read one by one with a pause between
// files so that the page keeps painting and answering clicks through a 200-file import. Each file
// parses completely (parseRecord, the runs list's validation) or is named and skipped.
import { unzipSync } from 'fflate';
import { checkResultFileSize, MAX_RECORD_BYTES, parseRecord } from '../../lab/records';
import type { ClassRun } from '../../lab/class-summary';

/** A zip is unpacked only up to this much in all (200 long runs). */
const MAX_ZIP_BYTES = 1024 * 1024 * 1024;

const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The JSON entries of a zip, sizes checked before anything is inflated. */
function zipEntries(
  name: string,
  bytes: Uint8Array,
  errors: string[],
): { name: string; text: () => string }[] {
  let total = 0;
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes, {
      filter: (entry) => {
        if (!entry.name.endsWith('.json') || entry.name.split('/').pop()!.startsWith('.')) return false;
        if (entry.originalSize > MAX_RECORD_BYTES) {
          errors.push(`${name}: ${entry.name} is larger than ${MAX_RECORD_BYTES / 2 ** 20} MB`);
          return false;
        }
        total += entry.originalSize;
        return total <= MAX_ZIP_BYTES;
      },
    });
  } catch (err) {
    errors.push(`${name} is not a readable zip file (${(err as Error).message})`);
    return [];
  }
  if (total > MAX_ZIP_BYTES)
    errors.push(`${name}: only the first ${MAX_ZIP_BYTES / 2 ** 30} GB of result files were read`);
  const decoder = new TextDecoder();
  return Object.entries(entries).map(([entry, data]) => ({
    name: `${name}/${entry}`,
    text: () => decoder.decode(data),
  }));
}

/** Read every result file (zips unpacked); `progress(done, total)` after each. */
export async function readClassFiles(
  files: readonly File[],
  progress: (done: number, total: number) => void = () => {},
): Promise<{ runs: ClassRun[]; errors: string[] }> {
  const runs: ClassRun[] = [];
  const errors: string[] = [];
  const items: { name: string; text: () => string | Promise<string> }[] = [];
  for (const f of files) {
    if (f.name.endsWith('.zip'))
      items.push(...zipEntries(f.name, new Uint8Array(await f.arrayBuffer()), errors));
    else
      items.push({
        name: f.name,
        text: () => {
          checkResultFileSize(f.name, f.size); // before reading: a huge file is never loaded
          return f.text();
        },
      });
  }
  for (let i = 0; i < items.length; i++) {
    try {
      runs.push({ file: items[i].name, record: parseRecord(await items[i].text(), items[i].name) });
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
    progress(i + 1, items.length);
    await pause();
  }
  return { runs, errors };
}

/** The charts' canvases side by side in one PNG (white background, two columns, a title). */
export function canvasesToPng(canvases: readonly HTMLCanvasElement[], title: string): Promise<Blob | null> {
  const cols = 2;
  const w = Math.max(...canvases.map((c) => c.width), 1);
  const h = Math.max(...canvases.map((c) => c.height), 1);
  const head = 40;
  const out = document.createElement('canvas');
  out.width = cols * w;
  out.height = head + Math.ceil(canvases.length / cols) * h;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, out.width, out.height);
  ctx.fillStyle = '#1d2230';
  ctx.font = '20px system-ui, sans-serif';
  ctx.fillText(title, 12, 28);
  canvases.forEach((c, i) => ctx.drawImage(c, (i % cols) * w, head + Math.floor(i / cols) * h));
  return new Promise((resolve) => out.toBlob(resolve, 'image/png'));
}

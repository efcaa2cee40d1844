// Export and import: metrics as CSV/JSON, checkpoints as zip, result files validated on the way in.
import { unzipSync, zipSync } from 'fflate';
import { metricsCsv } from '../../lab/charts';
import { checkResultFileSize, parseRecord, type RunRecord } from '../../lab/records';

export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const safe = (s: string) => s.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'run';

export function exportCsv(record: RunRecord): void {
  download(`${safe(record.name)}-metrics.csv`, metricsCsv(record.events), 'text/csv');
}

export function exportJson(record: RunRecord): void {
  download(`${safe(record.name)}.habits-lab.json`, JSON.stringify(record), 'application/json');
}

export function exportCheckpointZip(name: string, files: Record<string, Uint8Array>): void {
  const zipped = zipSync(
    Object.fromEntries(Object.entries(files).map(([k, v]) => [`${safe(name)}/${k}`, v])),
  );
  download(`${safe(name)}-checkpoint.zip`, zipped as BlobPart, 'application/zip');
}

/** Read result files; each either parses completely or yields an error naming the file. */
export async function importRecords(
  files: readonly File[],
): Promise<{ records: RunRecord[]; errors: string[] }> {
  const records: RunRecord[] = [];
  const errors: string[] = [];
  for (const f of files) {
    try {
      checkResultFileSize(f.name, f.size); // before reading: a huge file is never loaded
      records.push(parseRecord(await f.text(), f.name));
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { records, errors };
}

/** Largest checkpoint file the page unpacks or reads (a 200M-parameter model in F32 is 800 MB). */
export const MAX_CHECKPOINT_FILE_BYTES = 2 ** 30;

const isCheckpointFile = (name: string) => /\.(json|safetensors)$/.test(name);

/**
 * Checkpoint files from a zip or from the separate files of a folder. Sizes are checked before
 * anything is unpacked (a small zip can declare gigabytes), and a zip holding several checkpoints
 * (a run's `final/` and `step-40/`) is refused rather than mixed.
 */
export async function readCheckpointUpload(files: readonly File[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const from = new Map<string, string>();
  const tooBig = (name: string, bytes: number) =>
    new Error(`${name} is ${(bytes / 2 ** 20).toFixed(0)} MB, more than a checkpoint file may be (1 GB)`);
  for (const f of files) {
    if (f.size > MAX_CHECKPOINT_FILE_BYTES) throw tooBig(f.name, f.size);
    if (f.name.endsWith('.zip')) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(bytes, {
          filter: (entry) => {
            if (!isCheckpointFile(entry.name.split('/').pop() ?? '')) return false;
            if (entry.originalSize > MAX_CHECKPOINT_FILE_BYTES) throw tooBig(entry.name, entry.originalSize);
            return true;
          },
        });
      } catch (err) {
        if (err instanceof Error && err.message.includes('more than a checkpoint file may be')) throw err;
        throw new Error(`${f.name} is not a readable zip file`, { cause: err });
      }
      for (const [path, data] of Object.entries(entries)) {
        const base = path.split('/').pop() ?? '';
        const earlier = from.get(base);
        if (earlier !== undefined)
          throw new Error(
            `${f.name} holds more than one checkpoint (${earlier} and ${path}): zip a single checkpoint folder`,
          );
        from.set(base, path);
        out.set(base, data);
      }
    } else if (isCheckpointFile(f.name)) {
      out.set(f.name, new Uint8Array(await f.arrayBuffer()));
    }
  }
  if (out.size === 0)
    throw new Error(
      'no checkpoint files found (expected config.json, model.safetensors, tokenizer.json, or a zip of them)',
    );
  return out;
}

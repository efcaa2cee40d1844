// Export and import: metrics as CSV/JSON, checkpoints as zip, result files validated on the way in.
import { unzipSync, zipSync } from 'fflate';
import { metricsCsv } from '../../lab/charts';
import { checkResultFileSize, parseRecord, type RunRecord } from '../../lab/records';
import { MODEL_FILES, RESUME_FILES } from '../../model/names';

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

/** The files a lab checkpoint can hold; nothing else in a zip or folder is kept. */
const CHECKPOINT_FILES = new Set<string>([...MODEL_FILES, ...RESUME_FILES]);
const isCheckpointFile = (name: string) => CHECKPOINT_FILES.has(name);

/** A refusal of ours, thrown from inside fflate's filter (anything else it throws means a broken zip). */
class UploadError extends Error {}

/** All the files of one checkpoint together: a mini model with its reference and optimizer is ~60 MB. */
export const MAX_CHECKPOINT_BYTES = 2 ** 31;

/**
 * Checkpoint files from a zip or from the separate files of a folder. Sizes are checked before
 * anything is unpacked (a small zip can declare gigabytes), an entry that inflates to less than it
 * declared is refused (one that holds more comes out cut short and fails to load), and a zip holding
 * several checkpoints (a run's `final/` and `step-40/`) is refused rather than mixed.
 */
export async function readCheckpointUpload(files: readonly File[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  const from = new Map<string, string>();
  const tooBig = (name: string, bytes: number) =>
    new UploadError(
      `${name} is ${(bytes / 2 ** 20).toFixed(0)} MB, more than a checkpoint file may be (1 GB)`,
    );
  let total = 0;
  const count = (name: string, bytes: number) => {
    total += bytes;
    if (total > MAX_CHECKPOINT_BYTES)
      throw new UploadError(
        `the checkpoint's files come to more than ${MAX_CHECKPOINT_BYTES / 2 ** 30} GB (at ${name}): this is not one lab checkpoint`,
      );
  };
  for (const f of files) {
    if (f.size > MAX_CHECKPOINT_FILE_BYTES) throw tooBig(f.name, f.size);
    if (f.name.endsWith('.zip')) {
      const bytes = new Uint8Array(await f.arrayBuffer());
      const declared = new Map<string, number>();
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(bytes, {
          filter: (entry) => {
            if (!isCheckpointFile(entry.name.split('/').pop() ?? '')) return false;
            if (entry.originalSize > MAX_CHECKPOINT_FILE_BYTES) throw tooBig(entry.name, entry.originalSize);
            count(entry.name, entry.originalSize);
            declared.set(entry.name, entry.originalSize);
            return true;
          },
        });
      } catch (err) {
        if (err instanceof UploadError) throw err; // a size refused by the filter, not a broken zip
        throw new Error(`${f.name} is not a readable zip file`, { cause: err });
      }
      for (const [path, data] of Object.entries(entries)) {
        if (data.length !== declared.get(path))
          throw new Error(
            `${f.name} is damaged: ${path} unpacks to ${data.length} bytes but declares ${declared.get(path)}`,
          );
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
      count(f.name, f.size);
      out.set(f.name, new Uint8Array(await f.arrayBuffer()));
    }
  }
  if (out.size === 0)
    throw new Error(
      'no checkpoint files found (expected config.json, model.safetensors, tokenizer.json, or a zip of them)',
    );
  return out;
}

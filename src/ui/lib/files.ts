// Export and import: metrics as CSV/JSON, checkpoints as zip, result files validated on the way in.
import { unzipSync, zipSync } from 'fflate';
import { metricsCsv } from '../../lab/charts';
import { parseRecord, type RunRecord } from '../../lab/records';

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
      records.push(parseRecord(await f.text(), f.name));
    } catch (err) {
      errors.push(err instanceof Error ? err.message : String(err));
    }
  }
  return { records, errors };
}

/** Checkpoint files from a zip or from the separate files of a folder. */
export async function readCheckpointUpload(files: readonly File[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const f of files) {
    const bytes = new Uint8Array(await f.arrayBuffer());
    if (f.name.endsWith('.zip')) {
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(bytes);
      } catch (err) {
        throw new Error(`${f.name} is not a readable zip file`, { cause: err });
      }
      for (const [path, data] of Object.entries(entries)) {
        const base = path.split('/').pop() ?? '';
        if (/\.(json|safetensors)$/.test(base)) out.set(base, data);
      }
    } else if (/\.(json|safetensors)$/.test(f.name)) {
      out.set(f.name, bytes);
    }
  }
  if (out.size === 0)
    throw new Error(
      'no checkpoint files found (expected config.json, model.safetensors, tokenizer.json, or a zip of them)',
    );
  return out;
}

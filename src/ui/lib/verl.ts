// The runs list's veRL export: the folder `habits-lab export-verl` writes, zipped in the browser. The
// builder (and its parquet writer) is loaded on first use, so the page does not carry it until then.
import { zipSync } from 'fflate';
import type { RunRecord } from '../../lab/records';
import { download } from './files';

export async function downloadVerlZip(record: RunRecord): Promise<void> {
  const { buildVerlExport } = await import('../../lab/verl-export');
  const { files } = buildVerlExport({ config: record.config });
  const folder = `${record.name.replace(/[^\w.-]+/g, '_').slice(0, 80) || 'run'}-verl`;
  const zipped = zipSync(Object.fromEntries([...files].map(([name, bytes]) => [`${folder}/${name}`, bytes])));
  download(`${folder}.zip`, zipped as BlobPart, 'application/zip');
}

// The page's checkpoint import: a zip is checked entry by entry before anything is unpacked, and a
// zip of several checkpoints is refused instead of silently mixing them.
import { strToU8, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  MAX_CHECKPOINT_BYTES,
  MAX_CHECKPOINT_FILE_BYTES,
  readCheckpointUpload,
} from '../../src/ui/lib/files';

const FILES = {
  'config.json': strToU8('{}'),
  'model.safetensors': new Uint8Array(64),
  'tokenizer.json': strToU8('{}'),
};
const zipOf = (entries: Record<string, Uint8Array>, name = 'ckpt.zip') =>
  new File([zipSync(entries, { level: 0 }) as BlobPart], name);

/** Rewrite the uncompressed size the headers of a stored zip declare for its first entry (or every entry). */
function declareSize(zip: Uint8Array, size: number, every = false): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let i = 0; i + 4 <= out.length; i++) {
    const sig = view.getUint32(i, true);
    if (sig === 0x04034b50) view.setUint32(i + 22, size, true); // local file header
    if (sig === 0x02014b50) {
      view.setUint32(i + 24, size, true); // central directory header
      if (!every) break;
    }
  }
  return out;
}

describe('readCheckpointUpload', () => {
  it('unpacks a zipped checkpoint folder to its three files', async () => {
    const zipped = zipOf(Object.fromEntries(Object.entries(FILES).map(([k, v]) => [`final/${k}`, v])));
    const files = await readCheckpointUpload([zipped]);
    expect([...files.keys()].sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
    expect(files.get('model.safetensors')).toEqual(new Uint8Array(64));
  });

  it('refuses a zip whose entry declares more than the limit, before unpacking it', async () => {
    const small = zipSync({ 'model.safetensors': new Uint8Array(16) }, { level: 0 });
    const bomb = new File([declareSize(small, MAX_CHECKPOINT_FILE_BYTES + 1) as BlobPart], 'bomb.zip');
    expect(bomb.size).toBeLessThan(200);
    await expect(readCheckpointUpload([bomb])).rejects.toThrow(
      /model\.safetensors is 1024 MB, more than a checkpoint file may be \(1 GB\)/,
    );
  });

  it('refuses an entry that unpacks to less than it declares (the rest of the buffer would be kept)', async () => {
    const small = zipSync({ 'config.json': strToU8('{}') }, { level: 0 });
    const lying = new File([declareSize(small, 5_000_000) as BlobPart], 'lying.zip');
    await expect(readCheckpointUpload([lying])).rejects.toThrow(
      /lying\.zip is damaged: config\.json unpacks to 2 bytes but declares 5000000/,
    );
  });

  it('keeps only the files a checkpoint has, and refuses more than one checkpoint could weigh', async () => {
    const zipped = zipOf({ ...FILES, 'extra.json': strToU8('{}'), 'notes/model.onnx.json': strToU8('{}') });
    expect([...(await readCheckpointUpload([zipped])).keys()].sort()).toEqual([
      'config.json',
      'model.safetensors',
      'tokenizer.json',
    ]);
    // Three files, each under the per-file limit, that together declare more than any checkpoint.
    const entries = ['model.safetensors', 'reference.safetensors', 'optimizer.safetensors'];
    const three = zipSync(Object.fromEntries(entries.map((n) => [n, new Uint8Array(4)])), { level: 0 });
    const heavy = declareSize(three, Math.floor(MAX_CHECKPOINT_BYTES / 3) + 1, true);
    await expect(readCheckpointUpload([new File([heavy as BlobPart], 'heavy.zip')])).rejects.toThrow(
      /the checkpoint's files come to more than 2 GB \(at optimizer\.safetensors\)/,
    );
  });

  it('refuses a zip of two checkpoints rather than mixing their files', async () => {
    const two = zipOf({
      ...Object.fromEntries(Object.entries(FILES).map(([k, v]) => [`final/${k}`, v])),
      ...Object.fromEntries(Object.entries(FILES).map(([k, v]) => [`step-1/${k}`, v])),
    });
    await expect(readCheckpointUpload([two])).rejects.toThrow(
      /ckpt\.zip holds more than one checkpoint \(final\/config\.json and step-1\/config\.json\)/,
    );
  });

  it('names a file that is no zip, and a folder with no checkpoint files', async () => {
    await expect(readCheckpointUpload([new File(['nope'], 'x.zip')])).rejects.toThrow(
      /x\.zip is not a readable zip file/,
    );
    await expect(readCheckpointUpload([new File(['a'], 'notes.txt')])).rejects.toThrow(
      /no checkpoint files found/,
    );
  });
});

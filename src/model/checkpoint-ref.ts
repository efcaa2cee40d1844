// How a config names the checkpoint a run starts from (`start.checkpoint`, `start.from`): a model
// shipped with the lab, a model imported into the browser, or a run's own checkpoint. The page, the
// trainer worker and the CLI all read a reference through this module, so they agree on its shape.
//
//   shipped:<name>   public/models/<name>/ (the page fetches it; the CLI reads the folder)
//   model:<name>     a model imported into this browser (stored under this same key)
//   anything else    a run's checkpoint: its run id in the browser, a folder on the command line

export type CheckpointRef =
  { kind: 'shipped'; name: string } | { kind: 'imported'; name: string } | { kind: 'run'; id: string };

const SHIPPED = 'shipped:';
const IMPORTED = 'model:';

/** A shipped model's name is a folder under public/models: no path separators or dots. */
const SHIPPED_NAME = /^[a-z0-9_-]+$/;

/** Throws when `name` cannot name a shipped model (it would leave public/models). */
export function checkShippedName(name: string): string {
  if (!SHIPPED_NAME.test(name)) throw new Error(`bad shipped model name "${name}"`);
  return name;
}

/** A reference string read into its kind; a shipped name is validated. */
export function parseCheckpointRef(ref: string): CheckpointRef {
  if (ref.startsWith(SHIPPED)) return { kind: 'shipped', name: checkShippedName(ref.slice(SHIPPED.length)) };
  if (ref.startsWith(IMPORTED)) return { kind: 'imported', name: ref.slice(IMPORTED.length) };
  return { kind: 'run', id: ref };
}

/** The reference string of a checkpoint, as configs and browser storage keys write it. */
export function checkpointRef(ref: CheckpointRef): string {
  if (ref.kind === 'shipped') return `${SHIPPED}${ref.name}`;
  if (ref.kind === 'imported') return `${IMPORTED}${ref.name}`;
  return ref.id;
}

export const shippedRef = (name: string): string => checkpointRef({ kind: 'shipped', name });
export const importedRef = (name: string): string => checkpointRef({ kind: 'imported', name });

/** The shipped pretrained base model (`npm run models` builds it); priming starts from it. */
export const BASE_REF = shippedRef('base');

/** The shipped model's name, or null for any other kind of reference (no validation: for display). */
export function shippedName(ref: string): string | null {
  return ref.startsWith(SHIPPED) ? ref.slice(SHIPPED.length) : null;
}

/** Is this the key of an imported model (not a run's checkpoint) in browser storage? */
export const isImportedRef = (ref: string): boolean => ref.startsWith(IMPORTED);

/** The first and last possible imported-model keys, for a key range over browser storage. */
export const IMPORTED_KEY_RANGE = [IMPORTED, `${IMPORTED}\uffff`] as const;

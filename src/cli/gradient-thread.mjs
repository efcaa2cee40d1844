// Starts gradient-thread.ts in a worker thread as bin/habits-lab.mjs starts the CLI: TypeScript from
// src/ through tsx (a worker's execArgv takes no --import in Node 20, and tsx's CommonJS api fails there).
import { register } from 'tsx/esm/api';

register();
await import('./gradient-thread.ts');

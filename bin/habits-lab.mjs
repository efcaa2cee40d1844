#!/usr/bin/env node
// Entry point of the `habits-lab` CLI. The CLI is TypeScript run straight from src/ through tsx,
// so `npx habits-lab` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);

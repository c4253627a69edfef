#!/usr/bin/env node
// The `tessera` executable. Runs the compiled CLI from dist/ (built by `npm install`
// through the prepare script); in a checkout without dist/ it runs the TypeScript sources
// through tsx instead.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let mod;
if (existsSync(compiled)) {
  mod = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
await mod.main(process.argv.slice(2));

import { readFileSync } from 'node:fs';

interface PackageJson {
  readonly version: string;
}

function readVersion(): string {
  // Works from src/server (tsx) and from dist/server (compiled): both are two levels deep.
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as PackageJson).version;
}

/** Tessera's own version, from package.json. */
export const TESSERA_VERSION: string = readVersion();
/** The PostgreSQL version whose protocol and behaviour Tessera reports. */
export const PG_COMPAT_VERSION = '15.4';

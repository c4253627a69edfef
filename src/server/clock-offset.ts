/**
 * `--testing-clock-offset-file PATH`: the node's wall clock plus the signed number of
 * milliseconds in PATH, re-read every second (absent or unreadable file: 0). Lets an
 * external harness (the Jepsen suite's clock nemesis) skew a real node. Monotonic time is
 * left alone: only what the HLC sees moves.
 */
import { readFile } from 'node:fs/promises';
import type { Clock, Logger } from '../util/index.ts';

export interface OffsetClock extends Clock {
  /** Stops re-reading the file. */
  close(): void;
}

export const CLOCK_OFFSET_REREAD_MS = 1_000;

/** Parses the file's text: an optionally signed integer or decimal number of ms; null if not. */
export function parseClockOffsetMs(text: string): number | null {
  const t = text.trim();
  if (t === '') return 0;
  if (!/^[+-]?\d+(\.\d+)?$/.test(t)) return null;
  return Number(t);
}

export async function offsetClock(base: Clock, path: string, logger: Logger): Promise<OffsetClock> {
  let offsetNanos = 0n;
  const reread = async (): Promise<void> => {
    // An absent or unreadable file means no offset.
    const text = await readFile(path, 'utf8').catch(() => '');
    const ms = parseClockOffsetMs(text);
    if (ms === null) {
      logger.warn({ path }, 'clock offset file does not hold a number of milliseconds; keeping the previous offset');
      return;
    }
    const next = BigInt(Math.round(ms * 1_000_000));
    if (next !== offsetNanos) logger.warn({ offsetMs: ms }, 'testing clock offset changed');
    offsetNanos = next;
  };
  await reread();
  const timer = setInterval(() => void reread(), CLOCK_OFFSET_REREAD_MS);
  timer.unref();
  return {
    nowNanos: () => base.nowNanos() + offsetNanos,
    monotonicMs: () => base.monotonicMs(),
    close: () => clearInterval(timer),
  };
}

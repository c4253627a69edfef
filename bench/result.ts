/** One figure a benchmark reports. Ratios are against a baseline measured in the same run. */
export interface BenchResult {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly system?: string;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  readonly note?: string;
}

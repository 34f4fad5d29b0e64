// A wait with a deadline, for the benchmarks: nothing a bench awaits may hang it.
// Rules for callers: `bench` names the benchmark in the message (`bench fs`).

/** Awaits `p`, failing (rather than hanging) after `ms` with "BENCH: gave up waiting for WHAT". */
export async function deadline<T>(bench: string, p: PromiseLike<T>, what: string, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => { timer = setTimeout(() => { reject(new Error(`${bench}: gave up waiting for ${what}`)); }, ms); });
  try {
    return await Promise.race([Promise.resolve(p), late]);
  } finally {
    clearTimeout(timer);
  }
}

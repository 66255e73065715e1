/**
 * The sum of the samples named `name` whose labels include `labels`, in a Prometheus text
 * exposition; undefined when no sample matches (so an assertion names what is missing).
 */
export function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  let sum: number | undefined;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const own = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => own[k] === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

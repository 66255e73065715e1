const UNITS: [string, number][] = [
  ['d', 86_400],
  ['h', 3_600],
  ['m', 60],
  ['s', 1],
];

/** `3d 4h`, `2h 5m`, `45s`, `1d`: a duration in its largest unit and the next one when not zero. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  const seconds = Math.round(Math.abs(ms) / 1000);
  const first = UNITS.findIndex(([, size]) => seconds >= size);
  if (first < 0) return '0s';
  const [name, size] = UNITS[first];
  let text = `${Math.floor(seconds / size)}${name}`;
  const next = UNITS[first + 1];
  if (next) {
    const rest = Math.floor((seconds % size) / next[1]);
    if (rest > 0) text += ` ${rest}${next[0]}`;
  }
  return sign + text;
}

/** `in 3d 4h` / `5m ago`. */
export function relative(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  return ms >= 0 ? `in ${formatDuration(ms)}` : `${formatDuration(-ms)} ago`;
}

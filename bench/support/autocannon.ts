// autocannon has no type declarations: the small part the benchmark uses, typed here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (opts: AutocannonOptions) => Promise<AutocannonResult>;

export interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}

export interface AutocannonOptions {
  url: string;
  connections: number;
  amount?: number;
  duration?: number;
  requests: AutocannonRequest[];
  timeout?: number;
}

export interface AutocannonHistogram {
  average: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  total: number;
}

export interface AutocannonResult {
  duration: number;
  latency: AutocannonHistogram;
  requests: AutocannonHistogram & { sent: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}

/** One load run over loopback; resolves with autocannon's summary. */
export function loadTest(opts: AutocannonOptions): Promise<AutocannonResult> {
  return autocannon(opts);
}

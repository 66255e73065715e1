/** The TSIG algorithms we sign with (RFC 8945 §6: HMAC-SHA256 is mandatory to implement). */
export type TsigAlgorithm = 'hmac-sha256' | 'hmac-sha512';

interface AlgorithmSpec {
  /** Name for `crypto.createHmac`. */
  hash: 'sha256' | 'sha512';
  /** Full MAC length in octets. */
  macLength: number;
}

const ALGORITHMS: Record<TsigAlgorithm, AlgorithmSpec> = {
  'hmac-sha256': { hash: 'sha256', macLength: 32 },
  'hmac-sha512': { hash: 'sha512', macLength: 64 },
};

/** Every supported algorithm name, e.g. for configuration validation. */
export const TSIG_ALGORITHMS = Object.keys(ALGORITHMS) as readonly TsigAlgorithm[];

export function isTsigAlgorithm(value: unknown): value is TsigAlgorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value);
}

export function tsigAlgorithmSpec(algorithm: TsigAlgorithm): AlgorithmSpec {
  return ALGORITHMS[algorithm];
}

import type { OutputStream } from '../log/logger';

/** Where a command reads and writes: the process's streams, or a test's. */
export interface CommandIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Reads all of standard input (for `--token -`). */
  readStdin(): Promise<string>;
}

import * as nodeCrypto from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { runSignatureCheck, type SignatureCheck } from './csr-signature';

/**
 * The thread's program: {@link runSignatureCheck}'s own compiled source, so that both
 * threads run the same check. A batch in, its verdicts out, in order.
 */
const THREAD_SOURCE = `
const crypto = require('node:crypto');
const { parentPort } = require('node:worker_threads');
const runSignatureCheck = ${runSignatureCheck.toString()};
parentPort.on('message', (batch) => {
  parentPort.postMessage(batch.map((check) => runSignatureCheck(crypto, check)));
});
`;

interface Waiting {
  checks: SignatureCheck[];
  settle: ((valid: boolean) => void)[];
}

export interface SignatureCheckThreadOptions {
  /** Told when the thread failed and its checks were run here instead (never with secrets: there are none). */
  onThreadError?: (err: Error) => void;
}

/**
 * CSR signature checks on a thread of their own (`node:worker_threads`). A submission's
 * key import and ECDSA verification take ~0.19 ms of the ~0.7 ms of CPU the API spends on
 * it, all on the one thread that serves every request; here they run beside it, on another
 * core. The checks asked for in one turn of the event loop go over together (one message
 * each way per turn, not per check), and the answers come back in the order asked.
 *
 * Nothing is lost when the thread fails: the checks it held are run on the calling thread,
 * and the next batch starts a new thread. {@link check} never rejects.
 */
export class SignatureCheckThread {
  private worker?: Worker;
  /** Batches sent to the thread and not answered yet, oldest first. */
  private readonly sent: Waiting[] = [];
  private next?: Waiting;
  private closed = false;

  constructor(private readonly options: SignatureCheckThreadOptions = {}) {}

  /** Whether the signature verifies (see {@link runSignatureCheck}). */
  check(check: SignatureCheck): Promise<boolean> {
    if (this.closed) return Promise.resolve(runSignatureCheck(nodeCrypto, check));
    if (!this.next) {
      const batch: Waiting = { checks: [], settle: [] };
      this.next = batch;
      setImmediate(() => this.send(batch));
    }
    const batch = this.next;
    return new Promise((resolve) => {
      batch.checks.push(check);
      batch.settle.push(resolve);
    });
  }

  /** Ends the thread; checks it still held, and any after this, run on the calling thread. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
    this.runHere();
  }

  private send(batch: Waiting): void {
    if (this.next === batch) this.next = undefined;
    if (this.closed) return settleHere(batch);
    try {
      this.worker ??= this.start();
      this.sent.push(batch);
      this.worker.postMessage(batch.checks);
    } catch (err) {
      this.failed(err);
    }
  }

  private start(): Worker {
    const worker = new Worker(THREAD_SOURCE, { eval: true });
    // The server's sockets keep the process alive; an idle check thread must not.
    worker.unref();
    worker.on('message', (verdicts: boolean[]) => {
      // A thread that failed had its batches run here already.
      if (this.worker !== worker) return;
      const batch = this.sent.shift();
      batch?.settle.forEach((settle, i) => settle(verdicts[i] === true));
    });
    worker.on('error', (err) => this.failed(err));
    worker.on('exit', (code) => {
      if (this.worker === worker && !this.closed)
        this.failed(new Error(`the signature check thread exited (${code})`));
    });
    return worker;
  }

  private failed(err: unknown): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    this.runHere();
    this.options.onThreadError?.(err instanceof Error ? err : new Error(String(err)));
  }

  /** Settles every batch the thread held with checks run on this thread. */
  private runHere(): void {
    for (const batch of this.sent.splice(0)) settleHere(batch);
  }
}

function settleHere(batch: Waiting): void {
  batch.checks.forEach((check, i) => batch.settle[i](runSignatureCheck(nodeCrypto, check)));
}

import { readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDirectory, writeFileAtomic } from '../fs/atomic-write';
import { AgentState, emptyState } from './agent-state';

/**
 * The agent's state file. One writer (the `run` process, see {@link RunLock}); every
 * change goes through {@link update}, which serialises the loops' writes and replaces the
 * file atomically, so `status` never reads half a file.
 */
export class StateStore {
  private state: AgentState = emptyState();
  private writing: Promise<void> = Promise.resolve();

  constructor(readonly dir: string) {}

  get file(): string {
    return join(this.dir, 'state.json');
  }

  /** A snapshot (deep copy: callers may not mutate the store's state). */
  get current(): AgentState {
    return structuredClone(this.state);
  }

  /**
   * Loads the file. A missing file is a first run; an unreadable one is set aside as
   * `state.json.corrupt-<time>` (the certificate files on disk are the truth, and the
   * agent rebuilds its plan from them) and reported through the return value.
   */
  async load(): Promise<{ corrupt?: string }> {
    await ensurePrivateDirectory(this.dir);
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    try {
      const parsed = JSON.parse(text) as AgentState;
      if (parsed.version !== 1) throw new Error(`unknown state version ${String(parsed.version)}`);
      this.state = { ...emptyState(), ...parsed };
      return {};
    } catch (err) {
      const aside = `${this.file}.corrupt-${Date.now()}`;
      await rename(this.file, aside);
      this.state = emptyState();
      return { corrupt: `${(err as Error).message}; moved to ${aside}` };
    }
  }

  /** Applies `change` to the state and persists it; changes are applied in call order. */
  update(change: (state: AgentState) => void): Promise<void> {
    change(this.state);
    const snapshot = `${JSON.stringify(this.state, null, 2)}\n`;
    this.writing = this.writing.catch(() => undefined).then(() => writeFileAtomic(this.file, snapshot));
    return this.writing;
  }

  /** Reads a state file without taking ownership (for `status`). */
  static async read(dir: string): Promise<AgentState | null> {
    try {
      const parsed = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as AgentState;
      return { ...emptyState(), ...parsed };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }
}

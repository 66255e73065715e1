import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDirectory, writeFileAtomic } from './atomic-write';

describe(writeFileAtomic.name, () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'agent-atomic-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('should write the file with mode 0600 whatever the umask', async () => {
    const previous = process.umask(0o000);
    try {
      await writeFileAtomic(join(dir, 'key.pem'), 'secret');
    } finally {
      process.umask(previous);
    }
    expect(await readFile(join(dir, 'key.pem'), 'utf8')).toBe('secret');
    expect((await stat(join(dir, 'key.pem'))).mode & 0o777).toBe(0o600);
  });

  it('should replace an existing file and tighten its mode, leaving no temporary file', async () => {
    const path = join(dir, 'state.json');
    await writeFile(path, 'old', { mode: 0o644 });
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('should never let a reader see a partial file while writing', async () => {
    const path = join(dir, 'big.txt');
    const a = 'a'.repeat(2_000_000);
    const b = 'b'.repeat(2_000_000);
    await writeFileAtomic(path, a);
    let reads = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8');
        expect(text === a || text === b).toBe(true);
        reads++;
      }
    })();
    for (let i = 0; i < 10; i++) await writeFileAtomic(path, i % 2 ? a : b);
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
  });

  it('should leave the old file and no temporary file when the write fails', async () => {
    const path = join(dir, 'config.json');
    await writeFileAtomic(path, 'good');
    await expect(writeFileAtomic(join(dir, 'missing-dir', 'x'), 'data')).rejects.toMatchObject({
      code: 'ENOENT',
    });
    expect(await readFile(path, 'utf8')).toBe('good');
    expect(await readdir(dir)).toEqual(['config.json']);
  });
});

describe(ensurePrivateDirectory.name, () => {
  it('should create nested directories with mode 0700', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agent-dir-'));
    try {
      await ensurePrivateDirectory(join(dir, 'a', 'b'));
      expect((await stat(join(dir, 'a', 'b'))).mode & 0o777).toBe(0o700);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

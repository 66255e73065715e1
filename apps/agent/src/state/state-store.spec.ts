import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StateStore } from './state-store';

describe(StateStore.name, () => {
  let dir: string;
  beforeEach(async () => (dir = await mkdtemp(join(tmpdir(), 'agent-state-'))));
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('should start empty, persist every change in order, 0600, and hand out copies', async () => {
    const store = new StateStore(dir);
    expect(await store.load()).toEqual({});
    await Promise.all([
      store.update((s) => void (s.lastContactAt = 'a')),
      store.update((s) => void (s.lastContactAt = 'b')),
      store.update((s) => void (s.idle.ip = 'no public address')),
    ]);
    const copy = store.current;
    copy.idle.ip = 'changed by a caller';
    expect(store.current.idle.ip).toBe('no public address');
    expect(JSON.parse(await readFile(store.file, 'utf8'))).toMatchObject({
      version: 1,
      lastContactAt: 'b',
      idle: { ip: 'no public address' },
    });
    expect((await stat(store.file)).mode & 0o777).toBe(0o600);
    expect(await StateStore.read(dir)).toMatchObject({ lastContactAt: 'b' });
  });

  it('should set a corrupt file aside and start over', async () => {
    await writeFile(join(dir, 'state.json'), '{"version":1,"certif');
    const store = new StateStore(dir);
    const { corrupt } = await store.load();
    expect(corrupt).toMatch(/moved to .*state\.json\.corrupt-\d+$/);
    expect(store.current.certificates).toEqual({});
    expect((await readdir(dir)).some((f) => f.startsWith('state.json.corrupt-'))).toBe(true);
  });

  it('should read nothing when there is no state yet', async () => {
    expect(await StateStore.read(dir)).toBeNull();
  });
});

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning } from '../../bench/support/proc';
import { Bind9Handle, startBind9 } from '../support/bind9';

describe('startBind9', () => {
  it('should start independent servers in parallel and clean each one up', async () => {
    const handles: Bind9Handle[] = await Promise.all(
      ['a.test', 'b.test', 'c.test'].map((zone) =>
        startBind9({ zone, records: ['www IN TXT "hello" "world"'] }),
      ),
    );
    try {
      expect(new Set(handles.map((h) => h.port)).size).toBe(3);
      expect(new Set(handles.map((h) => h.directory)).size).toBe(3);
      for (const handle of handles) {
        expect(await handle.query(`ns1.${handle.zone}`, 'A')).toEqual(['127.0.0.1']);
        expect(await handle.query(`www.${handle.zone}`, 'TXT')).toEqual(['helloworld']);
        expect(await handle.query(`nothing.${handle.zone}`, 'TXT')).toEqual([]);
        expect(handle.tsig).toMatchObject({ name: 'fleetcert-sha256', algorithm: 'hmac-sha256' });
        expect(Buffer.from(handle.tsig.secret, 'base64')).toHaveLength(32);
        expect(Buffer.from(handle.tsigSha512.secret, 'base64')).toHaveLength(64);
        expect(handle.log()).toMatch(/ running$/m);
      }
      // Each server only knows its own zone: a sibling's zone is refused.
      expect(await handles[0].query(`ns1.${handles[1].zone}`, 'A')).toEqual([]);
    } finally {
      const pids = await Promise.all(
        handles.map(async (h) => Number((await readFile(join(h.directory, 'named.pid'), 'utf8')).trim())),
      );
      await Promise.all(handles.map((h) => h.stop()));
      for (const pid of pids) expect(isRunning(pid)).toBe(false);
      for (const handle of handles) expect(existsSync(handle.directory)).toBe(false);
    }
  });

  it('should notice when its port is already served by another named', async () => {
    const first = await startBind9({ zone: 'first.test' });
    try {
      // BIND would otherwise share the port (SO_REUSEPORT) and split the traffic silently.
      await expect(startBind9({ zone: 'second.test', port: first.port })).rejects.toThrow(
        `named could not listen on port ${first.port}: address in use`,
      );
      expect(await first.query('ns1.first.test', 'A')).toEqual(['127.0.0.1']);
      expect(await first.query('ns1.second.test', 'A')).toEqual([]);
    } finally {
      await first.stop();
    }
  });

  it('should put the update policy into named.conf', async () => {
    const bind = await startBind9({ zone: 'Policy.Test.' });
    try {
      const conf = await readFile(join(bind.directory, 'named.conf'), 'utf8');
      expect(bind.zone).toBe('policy.test');
      expect(conf).toContain(bind.updatePolicy.split('\n')[1].trim());
      expect(bind.updatePolicy).toMatch(/grant fleetcert-sha512 wildcard {2}\*\.policy\.test\. TXT A AAAA;/);
      await bind.stop();
      await expect(bind.stop()).resolves.toBeUndefined();
    } finally {
      await bind.stop();
    }
  });
});

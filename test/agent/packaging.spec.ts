import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG_PATH, DEFAULT_STATE_DIR } from '../../apps/agent/src/config/agent-config';
import { EXIT } from '../../apps/agent/src/exit-codes';

const UNIT = join(__dirname, '../../apps/agent/packaging/fleetcert-agent.service');
const hasSystemd = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('example systemd unit', () => {
  const text = readFileSync(UNIT, 'utf8');
  const directive = (key: string) =>
    text
      .split('\n')
      .filter((l) => l.startsWith(`${key}=`))
      .map((l) => l.slice(key.length + 1));

  it('should run the agent with the default configuration and agree with its exit codes and paths', () => {
    expect(directive('ExecStart')).toEqual([`/usr/bin/fleetcert-agent run --config ${DEFAULT_CONFIG_PATH}`]);
    expect(directive('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
    expect(directive('RestartPreventExitStatus')).toEqual([String(EXIT.config)]);
    expect(`/var/lib/${directive('StateDirectory')[0]}`).toBe(DEFAULT_STATE_DIR);
    expect(`/etc/${directive('ConfigurationDirectory')[0]}/config.json`).toBe(DEFAULT_CONFIG_PATH);
    expect(directive('UMask')).toEqual(['0077']);
  });

  (hasSystemd ? it : it.skip)('should pass systemd-analyze verify without a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-unit-'));
    try {
      // verify insists that ExecStart exists; the agent is not installed in /usr/bin here.
      const copy = join(dir, 'fleetcert-agent.service');
      writeFileSync(copy, text.replace('/usr/bin/fleetcert-agent', '/bin/true'));
      const result = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      expect({ status: result.status, output: `${result.stdout}${result.stderr}`.trim() }).toEqual({
        status: 0,
        output: '',
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ApiError, ServerUnreachableError } from '../api/api-errors';
import { DeviceApiClient } from '../api/device-api.client';
import { HttpClient } from '../api/http-client';
import { DEFAULT_CONFIG_PATH, RESPONDER_MODES } from '../config/agent-config';
import { writeConfigFile } from '../config/config-file';
import { ConfigError } from '../config/config-error';
import { parseAgentConfig } from '../config/parse-config';
import { EXIT } from '../exit-codes';
import { ensurePrivateDirectory } from '../fs/atomic-write';
import { USER_AGENT } from '../version';
import type { CommandIo } from './command-io';

export const ENROLL_USAGE = `fleetcert-agent enroll --server URL (--token TOKEN | --token-file PATH | --token -) [options]

Checks the token with the server (over verified TLS), then writes the configuration
(mode 0600). Options:
  --config PATH            configuration file to write (default ${DEFAULT_CONFIG_PATH})
  --ca-bundle PATH         CA certificates (PEM) for a server with a private CA
  --state-dir DIR          agent state (default /var/lib/fleetcert-agent)
  --cert-dir DIR           where certificates go: DIR/dns, DIR/ip (default STATE_DIR/certs)
  --reload-command CMD     run after each new certificate, e.g. "systemctl reload nginx"
  --key-type TYPE          ecdsa-p256 (default), ecdsa-p384, rsa-2048, rsa-3072, rsa-4096
  --ip                     also obtain a certificate for the device's public IP addresses
  --responder MODE         port-80 responder for IP certificates: off, proxy, redirect, pull
  --responder-listen ADDR  its address (default [::]:80)
  --ipv4 SOURCE, --ipv6 SOURCE
                           where addresses come from: interface[:NAME], url:URL,
                           command:CMD, static:ADDRESS, none (default interface)
  --allow-http             accept an http:// server (development only)
  --force                  replace an existing configuration`;

/**
 * `fleetcert-agent enroll`: turns a server URL and a device token into a configuration
 * file, after proving both work (the token is accepted, the TLS certificate verifies).
 */
export async function enrollCommand(args: string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        server: { type: 'string' },
        token: { type: 'string' },
        'token-file': { type: 'string' },
        config: { type: 'string', default: DEFAULT_CONFIG_PATH },
        'ca-bundle': { type: 'string' },
        'state-dir': { type: 'string' },
        'cert-dir': { type: 'string' },
        'reload-command': { type: 'string' },
        'key-type': { type: 'string' },
        ip: { type: 'boolean', default: false },
        responder: { type: 'string' },
        'responder-listen': { type: 'string' },
        ipv4: { type: 'string' },
        ipv6: { type: 'string' },
        'allow-http': { type: 'boolean', default: false },
        force: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n\n${ENROLL_USAGE}\n`);
    return EXIT.usage;
  }
  if (!values.server || [values.token, values['token-file']].filter(Boolean).length !== 1) {
    io.stderr.write(`enroll needs --server and one of --token / --token-file\n\n${ENROLL_USAGE}\n`);
    return EXIT.usage;
  }
  if (values.responder && !(RESPONDER_MODES as readonly string[]).includes(values.responder)) {
    io.stderr.write(`--responder must be one of ${RESPONDER_MODES.join(', ')}\n`);
    return EXIT.usage;
  }
  const path = resolve(values.config!);
  if (!values.force && (await exists(path))) {
    io.stderr.write(`${path} exists already: this device is enrolled (pass --force to replace it)\n`);
    return EXIT.cannotCreate;
  }

  let token: string;
  try {
    token =
      values.token === '-'
        ? (await io.readStdin()).trim()
        : values['token-file']
          ? (await readFile(values['token-file'], 'utf8')).trim()
          : values.token!;
  } catch (err) {
    io.stderr.write(`cannot read the token: ${(err as Error).message}\n`);
    return EXIT.usage;
  }

  const raw = rawConfig(values, token);
  let config;
  try {
    config = parseAgentConfig(raw, path);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`${err.message}\n`);
      return EXIT.config;
    }
    throw err;
  }

  let caPem: string | undefined;
  if (config.caBundle) {
    try {
      caPem = await readFile(config.caBundle, 'utf8');
    } catch (err) {
      io.stderr.write(`cannot read the CA bundle: ${(err as Error).message}\n`);
      return EXIT.config;
    }
  }
  const http = new HttpClient({
    baseUrl: config.server,
    caPem,
    timeoutMs: config.requestTimeoutSeconds * 1000,
    userAgent: USER_AGENT,
  });
  let device;
  try {
    device = await new DeviceApiClient(http, token).getDevice();
  } catch (err) {
    return reportFailure(err, io);
  } finally {
    http.close();
  }

  await writeConfigFile(path, raw);
  await ensurePrivateDirectory(config.stateDir);
  io.stdout.write(
    `Enrolled: device ${device.identifier} is ${device.hostname}\n` +
      `Configuration written to ${path} (mode 0600).\n` +
      `Start the agent with: fleetcert-agent run${path === DEFAULT_CONFIG_PATH ? '' : ` --config ${path}`}\n`,
  );
  return EXIT.ok;
}

type EnrollValues = Record<string, string | boolean | undefined>;

/**
 * The configuration file's contents: only what was given, so defaults can improve later.
 * Paths given on the command line are relative to where the command runs, so they are
 * stored absolute (the file's own relative paths are relative to the file).
 */
function rawConfig(v: EnrollValues, token: string): Record<string, unknown> {
  const absolute = (key: string) => (typeof v[key] === 'string' ? resolve(v[key] as string) : undefined);
  const certDir = absolute('cert-dir');
  const ip: Record<string, unknown> = { enabled: v.ip === true };
  const dns: Record<string, unknown> = {};
  if (certDir) {
    dns.dir = join(certDir, 'dns');
    ip.dir = join(certDir, 'ip');
  }
  if (v['key-type']) dns.keyType = ip.keyType = v['key-type'];
  const raw: Record<string, unknown> = { server: v.server, token };
  if (v['allow-http']) raw.allowHttp = true;
  if (v['ca-bundle']) raw.caBundle = absolute('ca-bundle');
  if (v['state-dir']) raw.stateDir = absolute('state-dir');
  raw.certificates = { ...(Object.keys(dns).length > 0 && { dns }), ip };
  if (v['reload-command']) raw.reloadCommand = v['reload-command'];
  if (v.ipv4 || v.ipv6) {
    raw.addresses = { ...(v.ipv4 ? { ipv4: v.ipv4 } : {}), ...(v.ipv6 ? { ipv6: v.ipv6 } : {}) };
  }
  if (v.responder || v['responder-listen']) {
    raw.responder = {
      ...(v.responder ? { mode: v.responder } : {}),
      ...(v['responder-listen'] ? { listen: v['responder-listen'] } : {}),
    };
  }
  return raw;
}

function reportFailure(err: unknown, io: CommandIo): number {
  if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
    io.stderr.write(
      err.status === 401
        ? `the server refused the token (${err.message}): check it, or ask the operator for a new one\n`
        : `the server refused this device (${err.message}): it may be disabled\n`,
    );
    return EXIT.noPermission;
  }
  if (err instanceof ServerUnreachableError || (err instanceof ApiError && err.status >= 500)) {
    io.stderr.write(`${err.message}\n`);
    return EXIT.unavailable;
  }
  io.stderr.write(`enrolment failed: ${err instanceof Error ? err.message : String(err)}\n`);
  return EXIT.failure;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

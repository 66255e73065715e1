import { isAbsolute, resolve } from 'node:path';
import { parseAddressSource } from './address-source';
import {
  AddressSource,
  AgentConfig,
  CERTIFICATE_KINDS,
  CertificateKind,
  CertificateSettings,
  DEFAULT_STATE_DIR,
  DEFAULTS,
  KEY_TYPES,
  LOG_LEVELS,
  RESPONDER_MODES,
} from './agent-config';
import { ConfigError } from './config-error';
import { parseListenAddress } from './listen-address';
import { ObjectReader } from './object-reader';

const DAY = 86_400;
const PROFILE = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/**
 * Validates the contents of a configuration file and applies the defaults. Relative paths
 * are taken relative to the file's directory, so a configuration can be moved with its
 * files.
 *
 * @param raw the parsed JSON
 * @param file path of the file, for messages and relative paths
 * @throws ConfigError naming every problem
 */
export function parseAgentConfig(raw: unknown, file: string): AgentConfig {
  const problems: string[] = [];
  const base = resolve(file, '..');
  const path = (p: string | undefined) =>
    p === undefined ? undefined : isAbsolute(p) ? p : resolve(base, p);
  const root = new ObjectReader(raw, '', problems);

  const allowHttp = root.boolean('allowHttp', DEFAULTS.allowHttp);
  const server = checkServer(root.string('server', { required: true }), allowHttp, problems);
  const token = root.string('token', {
    required: true,
    pattern: /^[\x21-\x7e]{16,512}$/,
    hint: 'must be the device token the operator gave you (printable, no spaces)',
  });
  const caBundle = path(root.string('caBundle'));
  const stateDir = path(root.string('stateDir')) ?? DEFAULT_STATE_DIR;

  const certs = root.child('certificates');
  const certificates = {} as Record<CertificateKind, CertificateSettings>;
  for (const kind of CERTIFICATE_KINDS) {
    const c = certs.child(kind);
    const profile = c.string('profile', {
      pattern: PROFILE,
      hint: 'must be a profile name such as shortlived',
    });
    certificates[kind] = {
      enabled: c.boolean('enabled', kind === 'dns'),
      dir: path(c.string('dir')) ?? resolve(stateDir, 'certs', kind),
      keyType: c.oneOf('keyType', KEY_TYPES, DEFAULTS.keyType),
      includeNonPublic: kind === 'ip' ? c.boolean('includeNonPublic', false) : false,
      ...(profile && { profile }),
    };
    c.finish();
  }
  certs.finish();
  if (certificates.dns.dir === certificates.ip.dir) {
    problems.push('certificates.dns.dir and certificates.ip.dir must differ (one key per kind)');
  }

  const reloadCommand = root.string('reloadCommand');
  const reloadTimeoutSeconds = root.number('reloadTimeoutSeconds', DEFAULTS.reloadTimeoutSeconds, {
    min: 1,
    max: 3600,
  });

  const addr = root.child('addresses');
  const source = (family: 'ipv4' | 'ipv6'): AddressSource => {
    const text = addr.string(family);
    if (text === undefined) return DEFAULTS.addresses[family];
    const parsed = parseAddressSource(text, family);
    if (typeof parsed === 'string') {
      problems.push(`addresses.${family}: ${parsed}`);
      return DEFAULTS.addresses[family];
    }
    return parsed;
  };
  const addresses = {
    ipv4: source('ipv4'),
    ipv6: source('ipv6'),
    checkIntervalSeconds: addr.number('checkIntervalSeconds', DEFAULTS.addresses.checkIntervalSeconds, {
      min: 0.1,
      max: DAY,
    }),
    reassertIntervalSeconds: addr.number(
      'reassertIntervalSeconds',
      DEFAULTS.addresses.reassertIntervalSeconds,
      { min: 1, max: 30 * DAY },
    ),
  };
  addr.finish();

  const resp = root.child('responder');
  const responder = {
    mode: resp.oneOf('mode', RESPONDER_MODES, DEFAULTS.responder.mode),
    listen: resp.string('listen') ?? DEFAULTS.responder.listen,
  };
  const listen = parseListenAddress(responder.listen);
  if (typeof listen === 'string') problems.push(`responder.listen: ${listen}`);
  resp.finish();

  const r = root.child('retry');
  const d = DEFAULTS.retry;
  const retry = {
    initialDelaySeconds: r.number('initialDelaySeconds', d.initialDelaySeconds, { min: 0.01, max: DAY }),
    maxDelaySeconds: r.number('maxDelaySeconds', d.maxDelaySeconds, { min: 0.01, max: DAY }),
    refusedInitialDelaySeconds: r.number('refusedInitialDelaySeconds', d.refusedInitialDelaySeconds, {
      min: 0.01,
      max: DAY,
    }),
    refusedMaxDelaySeconds: r.number('refusedMaxDelaySeconds', d.refusedMaxDelaySeconds, {
      min: 0.01,
      max: 7 * DAY,
    }),
  };
  r.finish();
  if (retry.maxDelaySeconds < retry.initialDelaySeconds) {
    problems.push('retry.maxDelaySeconds must not be below retry.initialDelaySeconds');
  }
  if (retry.refusedMaxDelaySeconds < retry.refusedInitialDelaySeconds) {
    problems.push('retry.refusedMaxDelaySeconds must not be below retry.refusedInitialDelaySeconds');
  }

  const i = root.child('intervals');
  const di = DEFAULTS.intervals;
  const intervals = {
    renewalCheckSeconds: i.number('renewalCheckSeconds', di.renewalCheckSeconds, { min: 1, max: 7 * DAY }),
    pollMinSeconds: i.number('pollMinSeconds', di.pollMinSeconds, { min: 0.05, max: 3600 }),
    pollMaxSeconds: i.number('pollMaxSeconds', di.pollMaxSeconds, { min: 0.05, max: 3600 }),
  };
  i.finish();
  if (intervals.pollMaxSeconds < intervals.pollMinSeconds) {
    problems.push('intervals.pollMaxSeconds must not be below intervals.pollMinSeconds');
  }

  const requestTimeoutSeconds = root.number('requestTimeoutSeconds', DEFAULTS.requestTimeoutSeconds, {
    min: 1,
    max: 600,
  });
  const logLevel = root.oneOf('logLevel', LOG_LEVELS, DEFAULTS.logLevel);
  root.finish();

  if (problems.length > 0 || !server || !token) throw new ConfigError(file, problems);
  return {
    server,
    token,
    ...(caBundle && { caBundle }),
    allowHttp,
    stateDir,
    certificates,
    ...(reloadCommand && { reloadCommand }),
    reloadTimeoutSeconds,
    addresses,
    responder,
    retry,
    intervals,
    requestTimeoutSeconds,
    logLevel,
  };
}

/** The server URL without a trailing slash, or undefined after recording why it is unusable. */
export function checkServer(
  text: string | undefined,
  allowHttp: boolean,
  problems: string[],
): string | undefined {
  if (text === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push(`server "${text}" is not a URL`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    problems.push('server must be an https:// URL');
    return undefined;
  }
  if (url.protocol === 'http:' && !allowHttp) {
    problems.push(
      'server is http://: the device token would cross the network in clear; use https:// (allowHttp is for development servers only)',
    );
    return undefined;
  }
  if (url.username || url.password || url.search || url.hash) {
    problems.push('server must not carry credentials, a query or a fragment');
    return undefined;
  }
  return url.toString().replace(/\/+$/, '');
}

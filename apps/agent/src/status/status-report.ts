import type { AgentConfig, CertificateKind } from '../config/agent-config';
import { CERTIFICATE_KINDS } from '../config/agent-config';
import { CertificateStore } from '../certificates/certificate-store';
import { chooseRenewalTime, fallbackWindow } from '../certificates/renewal-plan';
import { describeIdentifiers } from '../crypto/identifiers';
import { STATUS_EXIT, StatusLevel } from '../exit-codes';
import type { AgentState, Component } from '../state/agent-state';
import { formatDuration, relative } from './duration';

export interface CertificateStatus {
  kind: CertificateKind;
  level: StatusLevel;
  /** One line saying why the level is what it is. */
  summary: string;
  dir: string;
  serial?: string;
  identifiers?: string[];
  notBefore?: string;
  notAfter?: string;
  renewAt?: string;
  /** A request in flight. */
  pending?: { requestId?: string; status?: string; reason: string; deferredUntil?: string };
}

export interface StatusReport {
  level: StatusLevel;
  /** The first line, as monitoring systems show it. */
  headline: string;
  server: string;
  hostname?: string;
  lastContactAt?: string;
  certificates: CertificateStatus[];
  addresses?: AgentState['addresses'];
  errors: { component: Component; at: string; message: string; failures: number; retryAt?: string }[];
  generatedAt: string;
}

const RANK: Record<StatusLevel, number> = { ok: 0, warning: 1, critical: 2, unknown: 3 };

/** The worse of two levels. */
function worst(a: StatusLevel, b: StatusLevel): StatusLevel {
  return RANK[a] >= RANK[b] ? a : b;
}

/**
 * What `fleetcert-agent status` reports, from the installed files (the truth about what
 * is served) and the state file (the plan and the last errors):
 *
 * - CRITICAL: an enabled certificate is missing, unusable, expired, or in the last tenth
 *   of its lifetime;
 * - WARNING: its renewal is overdue (past the end of the renewal window), or any part of
 *   the agent's last attempt failed (server unreachable, request refused, address source,
 *   reload command);
 * - OK otherwise.
 */
export async function buildStatusReport(
  config: AgentConfig,
  state: AgentState | null,
  now = new Date(),
): Promise<StatusReport> {
  const s = state ?? { version: 1, certificates: {}, pending: {}, idle: {}, errors: {} };
  const certificates: CertificateStatus[] = [];
  for (const kind of CERTIFICATE_KINDS) {
    if (!config.certificates[kind].enabled) continue;
    certificates.push(await certificateStatus(kind, config.certificates[kind].dir, s, now));
  }
  const errors = Object.entries(s.errors).map(([component, e]) => ({
    component: component as Component,
    ...e!,
  }));
  let level: StatusLevel = certificates.reduce<StatusLevel>((l, c) => worst(l, c.level), 'ok');
  if (errors.length > 0) level = worst(level, 'warning');

  const culprit = certificates.find((c) => c.level === level);
  const headline =
    level === 'ok'
      ? certificates.map((c) => `${c.kind}: ${c.summary}`).join('; ') || 'no certificate enabled'
      : culprit
        ? `${culprit.kind}: ${culprit.summary}${causeOf(culprit.kind, errors)}`
        : `${errors[0].component}: ${errors[0].message}`;
  return {
    level,
    headline: `FLEETCERT ${level.toUpperCase()} - ${headline}`,
    server: config.server,
    ...(s.device && { hostname: s.device.hostname }),
    ...(s.lastContactAt && { lastContactAt: s.lastContactAt }),
    certificates,
    ...(s.addresses && { addresses: s.addresses }),
    errors,
    generatedAt: now.toISOString(),
  };
}

/** `; last error: …` when the certificate's own part of the agent failed last time (the likely cause). */
function causeOf(kind: CertificateKind, errors: StatusReport['errors']): string {
  const error = errors.find((e) => e.component === kind);
  return error ? `; last error: ${error.message}` : '';
}

async function certificateStatus(
  kind: CertificateKind,
  dir: string,
  s: AgentState,
  now: Date,
): Promise<CertificateStatus> {
  const pendingRecord = s.pending[kind];
  const pending = pendingRecord && {
    ...(pendingRecord.requestId && { requestId: pendingRecord.requestId }),
    ...(pendingRecord.status && { status: pendingRecord.status }),
    reason: pendingRecord.reason,
    ...(pendingRecord.deferredUntil && { deferredUntil: pendingRecord.deferredUntil }),
  };
  const base = { kind, dir, ...(pending && { pending }) };
  const inFlight = pending
    ? `; request ${pending.requestId ?? '(not submitted yet)'} ${pending.status ?? 'starting'}`
    : '';

  let current;
  try {
    current = await new CertificateStore(dir).readCurrent();
  } catch (err) {
    return {
      ...base,
      level: 'critical',
      summary: `installed files unusable: ${(err as Error).message}${inFlight}`,
    };
  }
  if (!current) {
    const idle = s.idle[kind];
    if (idle && !pending) return { ...base, level: 'ok', summary: `none needed: ${idle}` };
    return { ...base, level: 'critical', summary: `no certificate installed${inFlight}` };
  }

  const { issued } = current;
  const record = s.certificates[kind]?.serial === issued.serial ? s.certificates[kind] : undefined;
  const window = record
    ? { start: new Date(record.window.start), end: new Date(record.window.end) }
    : fallbackWindow(issued.notBefore, issued.notAfter);
  const renewAt = record
    ? new Date(record.renewAt)
    : chooseRenewalTime(window, issued.notAfter, now, () => 0);
  const lifetime = issued.notAfter.getTime() - issued.notBefore.getTime();
  const remaining = issued.notAfter.getTime() - now.getTime();
  const details = {
    ...base,
    serial: issued.serial,
    identifiers: issued.identifiers.map((i) => i.value),
    notBefore: issued.notBefore.toISOString(),
    notAfter: issued.notAfter.toISOString(),
    renewAt: renewAt.toISOString(),
  };
  const names = describeIdentifiers(issued.identifiers);
  if (remaining <= 0) {
    return {
      ...details,
      level: 'critical',
      summary: `${names}: expired ${formatDuration(-remaining)} ago${inFlight}`,
    };
  }
  if (remaining < lifetime / 10) {
    return {
      ...details,
      level: 'critical',
      summary: `${names}: expires in ${formatDuration(remaining)}${inFlight}`,
    };
  }
  if (now > window.end) {
    return {
      ...details,
      level: 'warning',
      summary: `${names}: renewal overdue since ${window.end.toISOString()}, expires in ${formatDuration(remaining)}${inFlight}`,
    };
  }
  return {
    ...details,
    level: 'ok',
    summary: `${names}: valid until ${issued.notAfter.toISOString()} (${relative(issued.notAfter, now)}), renews ${relative(renewAt, now)}${inFlight}`,
  };
}

/** The report for people: the headline, then one block per certificate, addresses, errors. */
export function renderStatus(report: StatusReport, now = new Date(report.generatedAt)): string {
  const lines = [report.headline, ''];
  lines.push(
    `server     ${report.server}${report.lastContactAt ? `  (last answer ${relative(new Date(report.lastContactAt), now)})` : ''}`,
  );
  if (report.hostname) lines.push(`device     ${report.hostname}`);
  for (const c of report.certificates) {
    lines.push('', `${c.kind.padEnd(10)} ${c.level.toUpperCase()}`);
    if (c.serial) {
      lines.push(`  names      ${c.identifiers!.join(', ')}`);
      lines.push(`  serial     ${c.serial}`);
      lines.push(`  expires    ${c.notAfter} (${relative(new Date(c.notAfter!), now)})`);
      lines.push(`  renews     ${c.renewAt} (${relative(new Date(c.renewAt!), now)})`);
    } else {
      lines.push(`  ${c.summary}`);
    }
    if (c.pending) {
      const deferred = c.pending.deferredUntil ? ` until ${c.pending.deferredUntil}` : '';
      lines.push(
        `  request    ${c.pending.requestId ?? '(not submitted yet)'} ${c.pending.status ?? 'starting'}${deferred} — ${c.pending.reason}`,
      );
    }
    lines.push(`  files      ${c.dir}`);
  }
  if (report.addresses) {
    const r = report.addresses.reported;
    lines.push(
      '',
      `addresses  ipv4 ${r.ipv4 ?? 'none'}, ipv6 ${r.ipv6 ?? 'none'} (reported ${relative(new Date(report.addresses.at), now)})`,
    );
  }
  if (report.errors.length > 0) {
    lines.push('', 'last errors');
    for (const e of report.errors) {
      const retry = e.retryAt ? `, retry ${relative(new Date(e.retryAt), now)}` : '';
      lines.push(`  ${e.component} (${e.at}, ${e.failures} in a row${retry}): ${e.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function statusExitCode(report: StatusReport): number {
  return STATUS_EXIT[report.level];
}

import { spawn } from 'node:child_process';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { AddressSource } from '../config/agent-config';
import { pickInterfaceAddress } from './interface-address';

const SOURCE_TIMEOUT_MS = 10_000;

/** A source could not be read (the URL or command failed): the family is left as it is. */
export class AddressSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressSourceError';
  }
}

/**
 * Reads one family's address from its source.
 *
 * @returns the address, or null when the source says the device has none of that family
 *   (its record is then removed)
 * @throws AddressSourceError when the source could not be read
 */
export async function readAddress(
  source: Exclude<AddressSource, { from: 'none' }>,
  family: 'ipv4' | 'ipv6',
): Promise<string | null> {
  switch (source.from) {
    case 'static':
      return source.address;
    case 'interface':
      return pickInterfaceAddress(networkInterfaces(), family, source.interface);
    case 'url':
      return checked(await fetchText(source.url), family, source.url);
    case 'command':
      return checked(await commandOutput(source.command), family, `command "${source.command}"`);
  }
}

function checked(text: string, family: 'ipv4' | 'ipv6', from: string): string | null {
  const first =
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  if (first === '') return null;
  if (isIP(first) !== (family === 'ipv4' ? 4 : 6)) {
    throw new AddressSourceError(`${from} gave "${first.slice(0, 64)}", not an ${family} address`);
  }
  return first;
}

async function fetchText(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(SOURCE_TIMEOUT_MS) });
    const text = (await res.text()).slice(0, 256);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return text;
  } catch (err) {
    throw new AddressSourceError(`${url}: ${(err as Error).message}`);
  }
}

function commandOutput(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out = (out + c.toString()).slice(0, 4096)));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-1024)));
    const timer = setTimeout(() => child.kill('SIGKILL'), SOURCE_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new AddressSourceError(`command "${command}": ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new AddressSourceError(`command "${command}" exited ${code ?? signal}: ${err.trim()}`));
    });
  });
}

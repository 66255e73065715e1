#!/usr/bin/env node
import { runCli } from './cli';

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, readStdin }, process).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `fleetcert-agent: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * The TCP sockets a group of processes listens on, read from Linux's /proc as `ss -ltnp` would: which
 * address each is bound to tells whether another host can reach it.
 */
export interface Listener {
  pid: number;
  command: string;
  address: string;
  port: number;
}

function ipv4(hex: string): string {
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

/** /proc/net/tcp6 writes an address as four 32-bit words, each in host (little-endian) byte order. */
function ipv6(hex: string): string {
  const bytes = [0, 1, 2, 3].flatMap((word) => [3, 2, 1, 0].map((i) => hex.slice(word * 8 + i * 2, word * 8 + i * 2 + 2)));
  const mapped = bytes.slice(0, 10).every((b) => b === '00') && bytes[10] === 'FF' && bytes[11] === 'FF';
  if (mapped) return `::ffff:${bytes.slice(12).map((b) => parseInt(b, 16)).join('.')}`;
  if (bytes.every((b) => b === '00')) return '::';
  const groups = [];
  for (let i = 0; i < 16; i += 2) groups.push(parseInt(bytes[i]! + bytes[i + 1]!, 16).toString(16));
  return groups.join(':');
}

function listeningSockets(): Map<string, { address: string; port: number }> {
  const byInode = new Map<string, { address: string; port: number }>();
  for (const [file, parse] of [['/proc/net/tcp', ipv4], ['/proc/net/tcp6', ipv6]] as const) {
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      const [hexAddress, hexPort] = fields[1]!.split(':');
      byInode.set(fields[9]!, { address: parse(hexAddress!), port: parseInt(hexPort!, 16) });
    }
  }
  return byInode;
}

/** Every process in the process group. */
export function processGroup(pgid: number): Array<{ pid: number; command: string }> {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,comm='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group]) => Number(group) === pgid)
    .map(([pid, , command]) => ({ pid: Number(pid), command: command ?? '' }));
}

export function listenersOf(processes: Array<{ pid: number; command: string }>): Listener[] {
  const sockets = listeningSockets();
  const found: Listener[] = [];
  for (const { pid, command } of processes) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      let target: string;
      try {
        target = readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      const socket = inode && sockets.get(inode);
      if (socket) found.push({ pid, command, ...socket });
    }
  }
  return found;
}

export const isLoopback = (address: string) => address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');

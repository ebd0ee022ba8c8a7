import fs from "node:fs";

/**
 * Established TCP connections process `pid` holds to `port` right now, read from /proc (Linux):
 * what a forwarder still holds to MLflow, seen from outside it.
 */
export function socketsTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed between readdir and readlink
    }
  }
  let n = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      // local address, remote address (hex ip:port), state (01 = ESTABLISHED), …, inode
      if (f.length > 9 && parseInt(f[2].split(":")[1], 16) === port && f[3] === "01" && inodes.has(f[9])) n++;
    }
  }
  return n;
}

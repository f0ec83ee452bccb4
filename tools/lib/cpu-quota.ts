/**
 * A slow phone on this machine: Chromium, its renderers and its Web Workers held to a share of
 * one core by a cgroup v1 CPU quota (`/sys/fs/cgroup/cpu/NAME`, cpu.cfs_quota_us = share x
 * cpu.cfs_period_us). Chrome's own CPU throttling (CDP) slows the page but not Web Workers,
 * where the app decodes photos and runs the model; the kernel's quota slows everything.
 *
 * Chromium is started through a small wrapper that writes its own process id into the group's
 * cgroup.procs and then execs Chromium: every process Chromium starts afterwards (zygote,
 * renderers, utility and GPU processes, their threads) is born inside the group, so none is
 * missed. Needs root and the cgroup v1 cpu controller; says so plainly otherwise.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ToolError } from './tool-error';

export const CGROUP_V1_CPU = '/sys/fs/cgroup/cpu';
/** The kernel refuses quotas under 1 ms per period. */
const MIN_QUOTA_US = 1000;

export interface CpuQuota {
  /** Share of one core, e.g. 0.2. */
  share: number;
  /** The group's folder under /sys/fs/cgroup/cpu. */
  dir: string;
  quotaUs: number;
  periodUs: number;
  /** A Chromium launcher that starts `chromium` inside the group (for executablePath). */
  launcher: string;
  /** Process ids in the group now (Chromium's processes while it runs). */
  processes(): number[];
  /** Removes the launcher and the group (once Chromium has exited). */
  remove(): Promise<void>;
}

/** Parses `--cpu-share`: shares of one core in (0, 1]; 1 means no quota (full speed). */
export function parseCpuShares(text: string): number[] {
  const shares = text.split(',').map((part) => Number(part.trim()));
  if (text.trim() === '' || shares.some((s) => !Number.isFinite(s) || s <= 0 || s > 1)) {
    throw new ToolError(
      'bad-argument',
      `--cpu-share takes shares of one CPU core between 0 and 1, separated by commas ` +
        `(e.g. 0.2 for a fifth of a core; 1 is full speed), not "${text}".`,
    );
  }
  return shares;
}

function checkCgroupV1(share: number): void {
  const why = `--cpu-share ${share} holds Chromium to ${share} of a core with a cgroup v1 CPU quota`;
  if (os.platform() !== 'linux') {
    throw new ToolError('no-cgroup', `${why}, which needs Linux. Leave --cpu-share out here.`);
  }
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    throw new ToolError(
      'not-root',
      `${why} under ${CGROUP_V1_CPU}, which only root can create. Run the benchmark as root ` +
        '(e.g. sudo npm run bench:app -- ...), or leave --cpu-share out.',
    );
  }
  if (!existsSync(path.join(CGROUP_V1_CPU, 'cpu.cfs_quota_us'))) {
    throw new ToolError(
      'no-cgroup',
      `${why}, and this machine has no cgroup v1 cpu controller at ${CGROUP_V1_CPU} ` +
        '(cgroup v2 only, or not mounted). Mount it (mount -t cgroup -o cpu cgroup ' +
        `${CGROUP_V1_CPU}) or leave --cpu-share out.`,
    );
  }
}

/** Creates the group and its launcher for `chromium` (the browser binary to wrap). */
export function createCpuQuota(share: number, chromium: string): CpuQuota {
  checkCgroupV1(share);
  const name = `roadcam-bench-${process.pid}-${Math.round(share * 1000)}`;
  const dir = path.join(CGROUP_V1_CPU, name);
  mkdirSync(dir, { recursive: true });
  const periodUs = Number(readFileSync(path.join(dir, 'cpu.cfs_period_us'), 'utf8').trim());
  const quotaUs = Math.max(MIN_QUOTA_US, Math.round(share * periodUs));
  writeFileSync(path.join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
  const written = Number(readFileSync(path.join(dir, 'cpu.cfs_quota_us'), 'utf8').trim());
  if (written !== quotaUs) {
    throw new ToolError('no-cgroup', `The kernel kept cpu.cfs_quota_us at ${written} in ${dir}.`);
  }
  const launcher = path.join(os.tmpdir(), `${name}-chromium.sh`);
  // $$ is the shell's own id, which exec hands to Chromium: the browser starts inside the group.
  writeFileSync(
    launcher,
    `#!/bin/sh\necho $$ > '${path.join(dir, 'cgroup.procs')}' || exit 1\nexec '${chromium}' "$@"\n`,
  );
  chmodSync(launcher, 0o755);
  const processes = () =>
    readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  return {
    share,
    dir,
    quotaUs,
    periodUs,
    launcher,
    processes,
    async remove() {
      rmSync(launcher, { force: true });
      // Chromium's last processes may take a moment to exit after close().
      for (let i = 0; i < 50 && processes().length > 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      try {
        rmdirSync(dir);
      } catch (error) {
        console.warn(`Could not remove the cgroup ${dir} (${String(error)}); rmdir it by hand.`);
      }
    },
  };
}

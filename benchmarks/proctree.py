# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Peak memory of a process and everything it started (ansible-playbook, its forked workers, module processes), sampled
from /proc while it runs: the sum of the tree's RSS at each sample, and the largest sum seen.

RSS counts pages shared between a forked worker and its parent once per process, so the sum over-counts what the tree
really holds; the proportional set size (PSS, /proc/PID/smaps_rollup) splits shared pages between their users and sums to
the real total. Both are kept; the benchmark's target is on the RSS sum (the stricter figure).
"""

from __future__ import annotations

import os
import threading

PAGE = os.sysconf("SC_PAGE_SIZE")


def processes():
    """(pid, fields) of every process now: fields are /proc/PID/stat after the command name (state, ppid, pgrp, ...)."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name, encoding="ascii", errors="replace") as handle:
                yield int(name), handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue


def _children_map():
    """{ppid: [pid, ...]} of every process now."""
    children = {}
    for pid, fields in processes():
        children.setdefault(int(fields[1]), []).append(pid)
    return children


def tree(root):
    """root and its descendants, as pids."""
    children, found, todo = _children_map(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, []))
    return found


def rss_bytes(pid):
    try:
        with open("/proc/%d/statm" % pid, encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def pss_bytes(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid, encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class PeakMemory(threading.Thread):
    """Samples the tree of `root` every `interval` seconds until stop(); peak_rss / peak_pss in bytes, and how many
    processes the tree had at the RSS peak."""

    def __init__(self, root, interval=0.25):
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.peak_rss = 0
        self.peak_pss = 0
        self.processes_at_peak = 0
        self.samples = 0
        self._done = threading.Event()

    def sample(self):
        pids = tree(self.root)
        rss = sum(rss_bytes(pid) for pid in pids)
        pss = sum(pss_bytes(pid) for pid in pids)
        self.samples += 1
        if rss > self.peak_rss:
            self.peak_rss, self.processes_at_peak = rss, len(pids)
        self.peak_pss = max(self.peak_pss, pss)

    def run(self):
        while not self._done.wait(self.interval):
            self.sample()

    def stop(self):
        self._done.set()
        self.join(timeout=5)
        return {"peak_rss_sum": self.peak_rss, "peak_pss_sum": self.peak_pss, "processes_at_peak": self.processes_at_peak,
                "samples": self.samples, "interval": self.interval}

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Live progress of a batch: counts, what runs, and an estimate of the time left, told while the batch runs.

Only where something can show it: when acr_import runs in Ansible's worker on the controller (plugin_utils/in_process.py),
`show(line, verbosity)` is Ansible's display, which a worker proxies to the main process, so that the lines reach the
console and log_path while the task runs. A module's output is read only when it ends: there, no Progress is made and the
result is the same. Pure logic (the clock and the output are injected); the ticker is one daemon thread per batch.
"""

from __future__ import annotations

import threading
import time

from ansible_collections.acrops.registry.plugins.module_utils import planner

DEFAULT_INTERVAL = 10  # seconds between two progress lines (option progress_interval; 0: none)
CHANGED_ACTIONS = (planner.IMPORTED, planner.OVERWRITTEN, planner.WOULD_IMPORT, planner.WOULD_OVERWRITE)


def outcome_of(result):
    """One word for a finished image's result: failed, deferred (source pull quota), imported (a target changed or would),
    unchanged, or drifted."""
    if result.get("failed"):
        return "failed"
    if result.get("deferred"):
        return "deferred"
    actions = [t.get("action") for t in result.get("targets", []) + result.get("untagged", [])]
    if any(a in CHANGED_ACTIONS for a in actions) or result.get("changed"):
        return "imported"
    if planner.DRIFTED in actions:
        return "drifted"
    return "unchanged"


def duration(seconds):
    """A short human duration: 45s, 3m05s, 1h02m."""
    seconds = int(round(max(0, seconds)))
    if seconds < 60:
        return "%ds" % seconds
    if seconds < 3600:
        return "%dm%02ds" % divmod(seconds, 60)
    return "%dh%02dm" % (seconds // 3600, seconds % 3600 // 60)


class Ticker:
    """Tells line() through show(line, 0) every `interval` seconds between start() and stop() (nothing when interval is 0):
    one daemon thread."""

    def __init__(self, show, interval):
        self.show = show
        self.interval = interval
        self._stop = threading.Event()
        self._ticker = None

    def line(self):
        raise NotImplementedError

    def start(self):
        """Tell the line every `interval` seconds until stop() (none when interval is 0)."""
        if self.interval and self.interval > 0:
            self._ticker = threading.Thread(target=self._tick, name="acrops-progress", daemon=True)
            self._ticker.start()
        return self

    def stop(self):
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()

    def _tick(self):
        while not self._stop.wait(self.interval):
            self.show(self.line(), 0)


class ListingProgress(Ticker):
    """The tag listings of a run's tag policies, before any import (a big estate lists many repositories, each maybe many
    pages): `acr_import: listing tags: 12/40 repositories`, every `interval` seconds while they run."""

    def __init__(self, total, show, interval=DEFAULT_INTERVAL, label="acr_import"):
        super().__init__(show, interval)
        self.total = total
        self.label = label
        self.done = 0
        self._lock = threading.Lock()

    def finished(self, *dummy):
        with self._lock:
            self.done += 1

    def line(self):
        with self._lock:
            done = self.done
        return "%s: listing tags: %d/%d repositories" % (self.label, done, self.total)


class Progress(Ticker):
    """Counts of one batch of `total` images, fed by the batch's threads (started / finished), told through show().

    show(line, verbosity): verbosity 0 for the periodic line (every `interval` seconds while the batch runs), 1 for one line
    per finished image (-v). The estimate of the time left is the observed pace: the time since the first image started,
    per finished image, times the images left (it includes the concurrency, and grows honest as images finish)."""

    def __init__(self, total, show, interval=DEFAULT_INTERVAL, label="acr_import", clock=time.monotonic):
        super().__init__(show, interval)
        self.total = total
        self.label = label
        self.clock = clock
        self.counts = {"imported": 0, "unchanged": 0, "drifted": 0, "deferred": 0, "failed": 0}
        self.done = 0
        self.running = 0
        self.first_start = None
        self._lock = threading.Lock()

    # ---- fed by the batch ------------------------------------------------------------------------------------------
    def started(self, source):
        del source
        with self._lock:
            self.running += 1
            if self.first_start is None:
                self.first_start = self.clock()

    def finished(self, source, result, seconds=None):
        word = outcome_of(result)
        with self._lock:
            self.running -= 1
            self.done += 1
            self.counts[word] += 1
            done = self.done
        detail = (": %s" % result.get("msg")) if word == "failed" and result.get("msg") else ""
        took = " in %s" % duration(seconds) if seconds is not None else ""
        self.show("%s [%d/%d] %s %s%s%s" % (self.label, done, self.total, word, source, took, detail), 1)

    # ---- told -------------------------------------------------------------------------------------------------------
    def line(self):
        with self._lock:
            done, running, counts, first = self.done, self.running, dict(self.counts), self.first_start
        parts = ["imported %d" % counts["imported"], "unchanged %d" % counts["unchanged"]]
        parts += ["%s %d" % (word, counts[word]) for word in ("drifted", "deferred") if counts[word]]
        parts += ["failed %d" % counts["failed"], "running %d" % running]
        if done and first is not None:
            left = (self.clock() - first) / done * (self.total - done)
            eta = "about %s left" % duration(left)
        else:
            eta = "time left unknown until an image finishes"
        return "%s: %d/%d done (%s), %s" % (self.label, done, self.total, ", ".join(parts), eta)

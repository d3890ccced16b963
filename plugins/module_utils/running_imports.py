# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The imports a run has submitted and not yet seen finish: in memory, and in a journal file on disk.

Why: an import is a long-running operation that Azure finishes whatever happens to the run that asked for it. A run stopped
by a task timeout lists them in its result (abandon_all()); a run stopped by SIGINT/SIGTERM or killed cannot say anything
(Ansible's workers die at once, their output with them), so each run keeps a journal file that names its imports while they
run, and the next run into the same registry reports the ones its predecessor left (claim_leftovers(), then
forget_claimed() once it has finished): the tags that appeared, or the import still going, are explained, not surprising.

One file per run (run-<pid>-<random>.json), rewritten atomically, deleted when nothing runs: runs of several forks never
write the same file. A leftover file is claimed only when its process is gone.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import threading
import time
import uuid
import weakref

try:
    import fcntl
except ImportError:  # not on Windows controllers' Pythons; the claim is then unlocked (a rare double report, nothing lost)
    fcntl = None

DEFAULT_JOURNAL_DIR = "~/.ansible/acrops/running-imports"
# Every RunningImports of this process: Ansible's worker runs one task, so on a task timeout these are that task's imports.
_ACTIVE = weakref.WeakSet()


class Abandoned(Exception):
    """The run was stopped (task timeout): no new import starts, and nobody waits for the running ones any more."""


class RunningImports:
    def __init__(self, journal_dir=None, clock=time.time):
        self.journal_dir = os.path.expanduser(journal_dir) if journal_dir else None
        self.clock = clock
        self.abandoned = threading.Event()
        self._lock = threading.Lock()
        self._entries = {}
        self._path = None
        self._claimed = []          # (journal file, registry) of the leftovers claim_leftovers() returned
        self.succeeded = 0
        _ACTIVE.add(self)

    # ---- this run's imports --------------------------------------------------------------------------------
    def started(self, registry, source, operation_url):
        """Record a submitted import (registry: the target's resource ID or name; source: what is imported). Returns its key."""
        key = uuid.uuid4().hex
        entry = {"registry": registry, "source": source, "operation_url": operation_url,
                 "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.clock()))}
        with self._lock:
            self._entries[key] = entry
            self._write()
        return key

    def finished(self, key, succeeded=True):
        with self._lock:
            if self._entries.pop(key, None) is not None:
                self.succeeded += 1 if succeeded else 0
                self._write()

    def running(self):
        with self._lock:
            return [dict(e) for e in self._entries.values()]

    def abandon(self):
        """Stop: nothing new starts, waits end. The journal keeps the entries (the next run reports them)."""
        self.abandoned.set()
        return self.running()

    # ---- the journal ---------------------------------------------------------------------------------------
    def _write(self):
        if not self.journal_dir:
            return
        try:
            if not self._entries:
                if self._path:
                    os.unlink(self._path)
                    self._path = None
                return
            if self._path is None:
                os.makedirs(self.journal_dir, mode=0o700, exist_ok=True)
                self._path = os.path.join(self.journal_dir, "run-%d-%s.json" % (os.getpid(), uuid.uuid4().hex[:8]))
            document = {"pid": os.getpid(), "host": socket.gethostname(), "imports": list(self._entries.values())}
            temporary = self._path + ".tmp"
            with open(temporary, "w") as handle:
                json.dump(document, handle)
            os.replace(temporary, self._path)
        except OSError:
            pass  # the journal explains a later run; it never fails this one

    def claim_leftovers(self, registry):
        """The imports into `registry` that earlier, stopped runs left in the journal (their process is gone), oldest first.
        They leave the journal only at forget_claimed(), once this run has read what they wrote and finished: a run that is
        stopped too leaves them for the next one."""
        self._claimed, found = [], []
        if not self.journal_dir or not os.path.isdir(self.journal_dir):
            return []
        for name in sorted(os.listdir(self.journal_dir)):
            path = os.path.join(self.journal_dir, name)
            if not (name.startswith("run-") and name.endswith(".json")) or path == self._path:
                continue
            try:
                with open(path) as handle:
                    document = json.load(handle)
                if _alive(document.get("pid"), document.get("host")):
                    continue
                mine = [e for e in document.get("imports") or [] if isinstance(e, dict) and _same(e.get("registry"), registry)]
            except (OSError, ValueError, AttributeError):
                continue  # unreadable or half-written: not ours to judge
            if mine:
                self._claimed.append((path, registry))
                found.extend(mine)
        return sorted(found, key=lambda e: str(e.get("started")))

    def forget_claimed(self):
        """Remove the claimed leftovers from the journal (files of other registries' leftovers keep those)."""
        with _DirectoryLock(self.journal_dir) if self._claimed else _NoLock():
            for path, registry in self._claimed:
                try:
                    with open(path) as handle:
                        document = json.load(handle)
                    rest = [e for e in document.get("imports") or [] if not (isinstance(e, dict) and _same(e.get("registry"), registry))]
                    if rest:
                        document["imports"] = rest
                        with open(path + ".tmp", "w") as handle:
                            json.dump(document, handle)
                        os.replace(path + ".tmp", path)
                    else:
                        os.unlink(path)
                except (OSError, ValueError, AttributeError):
                    continue  # gone already (another run into the same registry forgot it first)
        self._claimed = []


def abandon_all():
    """Abandon every run of this process -> (the imports still running, how many completed), for the stopped task's result."""
    running, succeeded = [], 0
    for run in list(_ACTIVE):
        running.extend(run.abandon())
        succeeded += run.succeeded
    return running, succeeded


def _same(a, b):
    return str(a or "").lower() == str(b or "").lower()


def _alive(pid, host):
    """Whether the run that wrote a journal file may still be going (then its file is not a leftover)."""
    if host and host != socket.gethostname():
        return True  # a shared home directory: another machine's process cannot be checked from here
    try:
        os.kill(int(pid), 0)
    except OSError as exc:
        return exc.errno == errno.EPERM  # exists, under another user
    except (TypeError, ValueError):
        return False
    return True


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None


class _DirectoryLock:
    """An exclusive flock on <dir>/.lock, so that two runs rewriting one leftover file do not lose each other's change."""

    def __init__(self, directory):
        self.path = os.path.join(directory, ".lock")
        self.handle = None

    def __enter__(self):
        try:
            self.handle = open(self.path, "a")
            if fcntl:
                fcntl.flock(self.handle, fcntl.LOCK_EX)
        except OSError:
            self.handle = None
        return self

    def __exit__(self, *exc_info):
        if self.handle:
            self.handle.close()  # closing releases the lock

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test-only callback (the `ansible` fixture enables it): every task that runs in check mode, by --check or its own
`check_mode: true`, must send no DELETE or PATCH to the stand-in (issue 17). It reads the stand-in's request counters when a
check-mode task starts and again when the next task starts (or the playbook ends) and appends each task that changed them,
or a failure to read them, to $ACROPS_TEST_CHECK_MODE_LOG as a JSON line; the fixture fails the test on any line."""

from __future__ import annotations

import json
import os
import ssl
import urllib.request

from ansible.plugins.callback import CallbackBase

CHANGING = ("DELETE", "PATCH")


def data_plane_changes(counters):
    """How many DELETE and PATCH requests the stand-in has seen (every deletion or attribute change, refused or not), from its
    counters ("host METHOD route" -> count)."""
    return sum(count for key, count in counters["requests"].items() if key.split(" ")[1] in CHANGING)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "check_mode_changes"
    CALLBACK_NEEDS_ENABLED = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._log = os.environ.get("ACROPS_TEST_CHECK_MODE_LOG")
        self._open = None  # (task name, changes when it started) of the check-mode task running now

    def _changes(self):
        context = ssl.create_default_context(cafile=os.environ["ACROPS_TEST_STANDIN_CA"])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=context))
        with opener.open(os.environ["ACROPS_TEST_STANDIN_CONTROL"] + "/counters", timeout=30) as response:
            return data_plane_changes(json.load(response))

    def _record(self, entry):
        with open(self._log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry) + "\n")

    def _close(self):
        if self._open is None:
            return
        name, before = self._open
        self._open = None
        try:
            after = self._changes()
        except Exception as exc:  # pylint: disable=broad-except  # any failure to read is reported, never ignored
            self._record({"task": name, "error": str(exc)})
            return
        if after != before:
            self._record({"task": name, "delete_or_patch_requests": after - before})

    def _start(self, task):
        self._close()
        if not self._log or task.check_mode is not True:
            return
        try:
            self._open = (task.get_name(), self._changes())
        except Exception as exc:  # pylint: disable=broad-except
            self._record({"task": task.get_name(), "error": str(exc)})

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._start(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._start(task)

    def v2_playbook_on_stats(self, stats):
        self._close()

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmark-only callback: per-task wall times of one ansible-playbook run, written as JSON to $BENCH_TIMINGS_FILE.

Not part of the collection: benchmarks/run.py enables it with ANSIBLE_CALLBACK_PLUGINS and ANSIBLE_CALLBACKS_ENABLED.
"""

from __future__ import annotations

DOCUMENTATION = r'''
name: bench_timer
type: aggregate
short_description: write per-task wall times to $BENCH_TIMINGS_FILE (acrops.registry benchmarks only)
description: Records when the playbook and each task start and end, the module's own C(elapsed) and batch C(counts) when it returns them.
requirements: [enable in ansible.cfg or ANSIBLE_CALLBACKS_ENABLED]
'''

import json
import os
import time

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "bench_timer"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.doc = {"playbook_start": None, "playbook_end": None, "tasks": []}
        self.current = None

    def _close(self):
        if self.current is not None and self.current["end"] is None:
            self.current["end"] = time.time()
        self.current = None

    def v2_playbook_on_start(self, playbook):
        self.doc["playbook_start"] = time.time()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close()
        self.current = {"name": task.get_name(), "action": task.action, "start": time.time(), "end": None, "items": 0,
                        "module_elapsed": []}
        self.doc["tasks"].append(self.current)

    def _result(self, result):
        if self.current is None:
            return
        self.current["end"] = time.time()
        data = result._result  # pylint: disable=protected-access
        elapsed = data.get("elapsed")
        if isinstance(elapsed, (int, float)):
            self.current["module_elapsed"].append(elapsed)
        if isinstance(data.get("counts"), dict):
            self.current.setdefault("counts", []).append(data["counts"])

    def _item(self, result):
        if self.current is not None:
            self.current["items"] += 1
        self._result(result)

    v2_runner_on_ok = v2_runner_on_failed = v2_runner_on_skipped = _result
    v2_runner_item_on_ok = v2_runner_item_on_failed = v2_runner_item_on_skipped = _item

    def v2_playbook_on_stats(self, stats):
        self._close()
        self.doc["playbook_end"] = time.time()
        path = os.environ.get("BENCH_TIMINGS_FILE")
        if path:
            with open(path, "w", encoding="utf-8") as handle:
                json.dump(self.doc, handle)

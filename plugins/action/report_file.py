# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write a value as pretty JSON to a file on the controller, in the controller process.

Why not ansible.builtin.copy with content and delegate_to localhost: copy runs two modules (stat, then copy), each
one built into an AnsiballZ payload and started in a new Python; for the role's report of 100 images that was ~1.8 s of a
~5.5 s run. The report belongs on the controller whatever the inventory host is, so no module needs to run at all.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.action import ActionBase
from ansible.plugins.filter.core import to_nice_json

ARGUMENT_SPEC = {
    "content": {"type": "raw", "required": True},
    "dest": {"type": "path", "required": True},
    "mode": {"type": "str", "default": "0644"},
}


def file_mode(text):
    """'0644' -> 0o644; anything else is refused with the expected form."""
    try:
        mode = int(text, 8)
    except (TypeError, ValueError):
        mode = -1
    if not 0 <= mode <= 0o7777:
        raise AnsibleActionFail("mode must be an octal string such as '0644', got %r" % (text,))
    return mode


def current_text(path):
    """The file's text, or None when it does not exist yet."""
    try:
        with open(path, "rb") as handle:
            return to_text(handle.read(), errors="surrogate_or_strict")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise AnsibleActionFail("cannot read %s: %s" % (path, exc.strerror)) from None


def write_atomically(path, text, mode):
    """Readers never see half a report: write a sibling temporary file, then rename it over the destination."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise AnsibleActionFail("the directory of dest does not exist: %s (create it first)" % directory)
    try:
        handle, temporary = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), dir=directory)
    except OSError as exc:
        raise AnsibleActionFail("cannot write into %s: %s" % (directory, exc.strerror)) from None
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(to_bytes(text, errors="surrogate_or_strict"))
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise AnsibleActionFail("cannot write %s: %s" % (path, exc.strerror)) from None


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        _validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        dest = args["dest"]
        mode = file_mode(args["mode"])
        text = to_nice_json(args["content"]) + "\n"
        before = current_text(dest)
        changed = before != text or (before is not None and (os.stat(dest).st_mode & 0o7777) != mode)
        if changed and not self._task.check_mode:
            write_atomically(dest, text, mode)
        result.update(changed=changed, dest=dest, size=len(to_bytes(text, errors="surrogate_or_strict")))
        return result

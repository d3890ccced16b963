# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the integration tests read back from the stand-in, in one place: what an emulated ACR's storage holds, the import
calls it counted, the import operations it ran, and the names tests write into plays."""

from __future__ import annotations

from playbook_runner import storage_digest


def acr(standin, repo, reference, registry="standinacr"):
    """What the emulated ACR's storage really holds for repo:tag or repo@digest (the digest, None when absent), read straight
    from distribution."""
    return storage_digest(standin.env["registries"][registry]["storage_url"], repo, reference)


def import_calls(standin):
    """importImage POSTs the stand-in has answered since the last reset."""
    return standin.control.counters()["import_calls"]


def operations(standin, fragment):
    """The import operations (since the last reset) whose source names fragment: a test's own, by its unique names."""
    return [op for op in standin.control.operations() if fragment in op["source"]]


def deletes(standin):
    """The paths of the deletes the data planes carried out (202) since the last reset: check mode must have none."""
    return [e["path"] for e in standin.control.log() if e["method"] == "DELETE" and e["status"] == 202]


def login_server(standin, registry="standinacr"):
    return standin.env["registries"][registry]["login_server"]


def env_lookup(name):
    """A play's value read from the controller's environment (secrets stay out of the playbook file)."""
    return "{{ lookup('ansible.builtin.env', '%s') }}" % name

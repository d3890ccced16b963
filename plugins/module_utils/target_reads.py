# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Whether this run reads the target registry's data plane (option target_reads), and when it stops.

A registry behind a firewall or a private endpoint refuses the controller's data-plane requests (403 DENIED, "client with
IP '<ip>' is not allowed access") while its Resource Manager importImage still works: ACR pulls the source with its own
network. always: such a refusal fails the image (strict). never: the target is never read. auto: the first refusal or
connection failure switches the run to planning without reads (planner.plan_unread), with one warning. docs/network.md.
"""

from __future__ import annotations

import threading

from ansible_collections.acrops.registry.plugins.module_utils.registry_client import NETWORK_REFUSAL, RegistryUnreachable

MODES = ("auto", "always", "never")


def network_refusal(exc):
    """Why a data-plane error means "this machine may not reach the registry": a short cause, or None (another error)."""
    if isinstance(exc, RegistryUnreachable):
        return "its data plane could not be reached from here (%s)" % exc.message
    if NETWORK_REFUSAL.search(getattr(exc, "message", None) or str(exc)):
        return "its network rules refuse this machine (%s)" % (getattr(exc, "message", None) or exc)
    return None


class TargetReads:
    """One run's decision for one target registry; thread-safe (the images of a batch share it)."""

    def __init__(self, mode, registry_name):
        self.mode = mode
        self.registry_name = registry_name
        self.reason = "target_reads is never" if mode == "never" else None
        self.warnings = []
        self._lock = threading.Lock()

    @property
    def unread(self):
        """Plan without reading the target: never, or auto after a refusal."""
        return self.reason is not None

    def switch(self, exc):
        """A read of the target failed with exc: True when the run now plans without reads (auto and a network refusal)."""
        if self.mode != "auto":
            return False
        cause = network_refusal(exc)
        if cause is None:
            return False
        with self._lock:
            if self.reason is None:
                self.reason = "the data plane of %s cannot be read from here" % self.registry_name
                self.warnings.append(
                    "target registry %s: %s. Planning without reading it for the rest of this run (target_reads: auto): tags are "
                    "imported with NoForce, a tag that exists is reported exists_unverified, nothing is verified. To compare "
                    "digests, run Ansible inside the registry's network, or allow this machine's IP address in the registry's "
                    "firewall (docs/network.md); target_reads: never skips the attempt." % (self.registry_name, cause))
        return True

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The validation tests' trap: no Azure settings from this machine, no profile file, no client factory, no sockets."""

from __future__ import annotations

import socket

import pytest

AZURE_VARIABLES = ("AZURE_SUBSCRIPTION_ID", "AZURE_CLIENT_ID", "AZURE_SECRET", "AZURE_CLIENT_SECRET", "AZURE_TENANT", "AZURE_TENANT_ID",
                   "AZURE_CLOUD_ENVIRONMENT", "AZURE_PROFILE", "AZURE_FEDERATED_TOKEN_FILE")


class NetworkTouched(AssertionError):
    """Raised when input got past validation to the network layer."""


@pytest.fixture
def network_trap(monkeypatch, tmp_path):
    """Call with a module: its client factories (`build`, `connect_registries`) and every socket connect raise NetworkTouched.
    Returns the class."""
    for name in AZURE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))

    def trap(*args, **kwargs):
        raise NetworkTouched("validation let the input through to the network layer")

    def arm(module):
        factories = [name for name in ("build", "connect_registries") if hasattr(module, name)]
        assert factories, "the module has no client factory to trap"
        for name in factories:
            monkeypatch.setattr(module, name, trap)
        monkeypatch.setattr(socket.socket, "connect", trap)
        monkeypatch.setattr(socket, "create_connection", trap)
        return NetworkTouched

    return arm

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils.acr_roles import ABAC, action_hint, read_hint


@pytest.mark.parametrize("action, rbac, abac", [
    ("metadata_write", "AcrPush", "Container Registry Repository Writer"),
    ("delete", "AcrDelete", "Container Registry Repository Contributor"),
    ("metadata_read", "AcrPull", "Container Registry Repository Reader"),
])
def test_each_mode_names_its_own_roles(action, rbac, abac):
    legacy = action_hint(action, "prodacr", "LegacyRegistryPermissions", "app")
    repository = action_hint(action, "prodacr", ABAC, "app")
    assert rbac in legacy and "prodacr" in legacy and abac not in legacy
    assert abac in repository and ABAC in repository and "repository app" in repository
    assert action_hint(action, "prodacr", None) == action_hint(action, "prodacr", "LegacyRegistryPermissions")  # mode unknown: RBAC


def test_reads_keep_read_hint():
    assert action_hint("metadata_read", "prodacr", ABAC, "app") == read_hint("prodacr", ABAC, "app")

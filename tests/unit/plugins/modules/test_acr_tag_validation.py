# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_tag refuses bad input before any network call (client factory and sockets trapped)."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import acr_tag_task
from ansible_collections.acrops.registry.plugins.modules import acr_tag
from ansible_collections.acrops.registry.tests.unit.plugins.modules.module_main import run_main

BASE = dict(registry="myregistry", repository="mirror/nginx", tags=["1.25"], write_enabled=False,
            subscription_id="00000000-1111-2222-3333-444444444444")


@pytest.fixture(autouse=True)
def offline(network_trap):
    network_trap(acr_tag_task)


def run_module(params):
    return run_main(acr_tag.main, params)


BAD = [
    ("login-server-as-registry", dict(registry="myregistry.azurecr.io"), ["not a registry name"]),
    ("no-tags", dict(tags=[]), ["tags must name at least one tag"]),
    ("too-many-tags", dict(tags=[str(i) for i in range(101)]), ["101 tags", "at most 100"]),
    ("bad-tag", dict(tags=["1;rm"]), ["invalid repository or tag"]),
    ("uppercase-repository", dict(repository="Mirror/NGINX"), ["invalid repository or tag"]),
    ("present-without-attributes", dict(write_enabled=None), ["state=present changes attributes only", "acr_import"]),
    ("bad-state", dict(state="locked"), ["state", "present, absent"]),
    ("client-id-newline", dict(client_id="app\nid"), ["client_id", "control or invisible character"]),
]


@pytest.mark.parametrize("overrides, fragments", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_before_any_network_call(overrides, fragments):
    result = run_module(dict(BASE, **overrides))
    assert result.get("failed") is True, result
    for fragment in fragments:
        assert fragment in result["msg"], (fragment, result["msg"])


@pytest.mark.parametrize("params", [dict(BASE), dict(BASE, write_enabled=None, state="absent")])
def test_valid_input_reaches_the_client_factory(params):
    result = run_module(params)
    assert result["failed"] is True and "NetworkTouched" in result["msg"], result

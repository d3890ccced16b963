# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_image_info refuses bad input before any network call: what ends up in Resource Manager, Entra and registry
URLs (registry, resource group, subscription, tenant, repository, tags) is checked first.

The real entry point runs with the client factory replaced by a trap and sockets disabled."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import acr_image_info_task
from ansible_collections.acrops.registry.plugins.modules import acr_image_info
from ansible_collections.acrops.registry.tests.unit.plugins.modules.module_main import run_main

SUBSCRIPTION = "00000000-1111-2222-3333-444444444444"


@pytest.fixture(autouse=True)
def offline(network_trap):
    """Every case runs with acr_image_info's client factory and all sockets trapped."""
    network_trap(acr_image_info_task)


def run_module(params):
    return run_main(acr_image_info.main, params)


BASE = dict(registry="myregistry", repository="mirror/nginx", subscription_id=SUBSCRIPTION)

BAD = [
    ("login-server-as-registry", dict(registry="myregistry.azurecr.io"), ["not a registry name", "5-50"]),
    ("registry-newline", dict(registry="myregistry\n"), ["not a registry name", "\\n"]),
    ("resource-group-traversal", dict(resource_group="../../providers"), ["resource_group", "e.g. 'rg-mirror'"]),
    ("resource-group-trailing-dot", dict(resource_group="rg."), ["resource_group", "not ending with '.'"]),
    ("resource-group-query", dict(resource_group="rg?api-version=1"), ["resource_group"]),
    ("subscription-not-guid", dict(subscription_id="../subscriptions"), ["subscription_id", "GUID"]),
    ("subscription-with-slash", dict(subscription_id=SUBSCRIPTION + "/x"), ["subscription_id", "GUID"]),
    ("ca-bundle-missing", dict(ca_bundle="/nonexistent/acrops/ca.pem"), ["ca_bundle", "does not exist"]),
    ("tenant-with-slash", dict(tenant="contoso.com/../x"), ["tenant", "GUID or its domain"]),
    ("uppercase-repository", dict(repository="Mirror/NGINX"), ["invalid repository or tag", "lowercase"]),
    ("repository-with-tag", dict(repository="mirror/nginx:1"), ["invalid repository or tag"]),
    ("bad-tag", dict(tags=["1;rm -rf"]), ["invalid repository or tag"]),
    ("huge-tag", dict(tags=["1" * (10 * 1024 * 1024)]), ["invalid repository or tag", "characters"]),
    ("limit-zero", dict(limit=0), ["limit must be at least 1"]),
    # every other string, as acr_import checks them (validation.check_strings)
    ("client-id-newline", dict(client_id="app\nid"), ["client_id", "control or invisible character '\\n'"]),
    ("profile-zero-width", dict(profile="ci\u200b"), ["profile", "control or invisible character"]),
    ("huge-client-id", dict(client_id="a" * (10 * 1024 * 1024)), ["client_id is 10485760 characters long"]),
    ("huge-secret", dict(secret="s" * 70000), ["secret is 70000 characters long", "no password or token is longer"]),
]


@pytest.mark.parametrize("overrides, fragments", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_input_is_refused_before_any_network_call(overrides, fragments):
    result = run_module(dict(BASE, **overrides))
    assert result.get("failed") is True, result
    for fragment in fragments:
        assert fragment in result["msg"], (fragment, result["msg"])
    assert len(result["msg"]) < 400, "a refusal names the value, it does not echo all of it"


def test_valid_input_reaches_the_client_factory():
    """The trap fires for good input: the refusals above are validation, not a module that refuses everything. The trap's
    exception is a bug to acr_image_info: it comes back as a failed result, through the redactor."""
    result = run_module(dict(BASE, resource_group="rg-mirror.prod(1)", tags=["1.25", "latest"], tenant="contoso.onmicrosoft.com"))
    assert result["failed"] is True and "NetworkTouched: validation let the input through" in result["msg"], result

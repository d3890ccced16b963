# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The module and the role name the same entry the same way: an image lands in one repository however it is mirrored.

The role's side is its filter (inventory entry -> acr_import entry); the module's side is acr_import's validation of the
same entry written as a module user writes it. tests/integration/test_playbooks.py proves it once end to end.
"""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.acrops.registry.plugins.filter import mirror
from ansible_collections.acrops.registry.plugins.module_utils import image_requests
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

# (inventory entry = module image entry, where it lands)
ENTRIES = [
    ({"source": "nginx:1.25"}, ["nginx:1.25"]),
    ({"source": "docker.io/library/nginx:1.25"}, ["nginx:1.25"]),
    ({"source": "index.docker.io/library/nginx:1.25"}, ["nginx:1.25"]),
    ({"source": "grafana/grafana:10.2.0"}, ["grafana/grafana:10.2.0"]),
    ({"source": "mcr.microsoft.com/dotnet/aspnet:8.0"}, ["dotnet/aspnet:8.0"]),
    ({"source": "ghcr.io/org/app:v1"}, ["ghcr.io/org/app:v1"]),
    ({"source": "GHCR.io/org/app:v1"}, ["ghcr.io/org/app:v1"]),
    ({"source": "quay.io/org/app:v1"}, ["quay.io/org/app:v1"]),
    ({"source": "registry.example.com:5000/team/api:1"}, ["registry.example.com-5000/team/api:1"]),
    ({"source": "myacr.azurecr.io/team/app:v1"}, ["team/app:v1"]),
    ({"source": "team/app:v1", "source_registry": "myacr"}, ["team/app:v1"]),
    ({"source": "app:v1", "source_registry": "myacr"}, ["app:v1"]),
]
POLICY_ENTRIES = [
    ({"source": "docker.io/library/nginx"}, ["nginx"]),
    ({"source": "mcr.microsoft.com/dotnet/aspnet"}, ["dotnet/aspnet"]),
    ({"source": "ghcr.io/org/app"}, ["ghcr.io/org/app"]),
    ({"source": "myacr.azurecr.io/team/app"}, ["team/app"]),
    ({"source": "team/app", "source_registry": "myacr"}, ["team/app"]),
]
POLICY = {"latest": 2}


def by_role(entry, policy=None):
    request = mirror.mirror_requests([dict(entry, tags=policy) if policy else entry])[0]
    return request["targets"]


def by_module(entry, policy=None):
    item = image_requests.validate_batch([dict(entry, tag_policy=policy) if policy else entry], {})[0]
    return list(item.repositories) if policy else ["%s:%s" % target for target in item.tags]


@pytest.mark.parametrize("entry, lands", ENTRIES, ids=[e[0]["source"] + (" in source_registry" if "source_registry" in e[0] else "") for e in ENTRIES])
def test_module_and_role_name_an_image_alike(entry, lands):
    assert by_module(entry) == by_role(entry) == lands


@pytest.mark.parametrize("entry, lands", POLICY_ENTRIES, ids=[e[0]["source"] for e in POLICY_ENTRIES])
def test_module_and_role_name_a_tag_policy_alike(entry, lands):
    assert by_module(entry, POLICY) == by_role(entry, POLICY) == lands


def test_what_the_role_hands_the_module_keeps_its_names():
    one_per_target = dict((lands[0], entry) for entry, lands in ENTRIES)  # both refuse two sources for one target (below)
    requests = mirror.mirror_requests(list(one_per_target.values()))
    items = image_requests.validate_batch([dict((k, v) for k, v in r.items() if k != "label") for r in requests], {})
    assert [["%s:%s" % t for t in item.tags] for item in items] == [r["targets"] for r in requests]


def test_two_registries_with_one_path_land_apart():
    entries = [{"source": "ghcr.io/org/app:v1"}, {"source": "quay.io/org/app:v1"}]
    assert [by_module(e) for e in entries] == [by_role(e) for e in entries] == [["ghcr.io/org/app:v1"], ["quay.io/org/app:v1"]]
    image_requests.validate_batch(entries, {})
    mirror.mirror_requests(entries)


def test_one_image_written_with_two_host_cases_is_one_source_for_both():
    entries = [{"source": "GHCR.io/org/app:v1"}, {"source": "ghcr.io/org/app:v1", "targets": ["ghcr.io/org/app:v1", "copy/app:v1"]}]
    items = image_requests.validate_batch(entries, {})
    assert [item.origin for item in items] == [("ghcr.io/org/app:v1", None)] * 2
    assert [r["targets"] for r in mirror.mirror_requests(entries)] == [["ghcr.io/org/app:v1"], ["ghcr.io/org/app:v1", "copy/app:v1"]]


def test_both_refuse_two_sources_for_one_default_target_naming_both():
    entries = [{"source": "mcr.microsoft.com/dotnet/aspnet:8.0"}, {"source": "docker.io/dotnet/aspnet:8.0"}]
    with pytest.raises(AcrOpsError) as module_error:
        image_requests.validate_batch(entries, {})
    with pytest.raises(AnsibleFilterError) as role_error:
        mirror.mirror_requests(entries)
    for message in (str(module_error.value), str(role_error.value)):
        assert "dotnet/aspnet:8.0" in message and "mcr.microsoft.com/dotnet/aspnet:8.0" in message and "docker.io/dotnet/aspnet:8.0" in message


@pytest.mark.parametrize("source", ["[::1]:5000/team/app:1", "localhost/app:1"])
def test_both_refuse_a_source_they_cannot_name(source):
    with pytest.raises(AcrOpsError, match="give targets"):
        by_module({"source": source})
    with pytest.raises(AnsibleFilterError, match="give targets"):
        by_role({"source": source})
    assert by_module({"source": source, "targets": ["app:1"]}) == by_role({"source": source, "targets": ["app:1"]}) == ["app:1"]

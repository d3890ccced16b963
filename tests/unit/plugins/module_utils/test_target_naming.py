# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one naming rule: where a source lands when no target is given (module and role alike)."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import reference
from ansible_collections.acrops.registry.plugins.module_utils.target_naming import (
    TargetNamingError, default_repository, source_registry_repository)


def named(source, prefix=""):
    return default_repository(reference.parse(source), prefix)


@pytest.mark.parametrize("source, repository", [
    ("nginx:1.25", "nginx"),
    ("docker.io/library/nginx:1.25", "nginx"),
    ("index.docker.io/library/nginx:1.25", "nginx"),
    ("registry-1.docker.io/library/nginx", "nginx"),
    ("Registry.Hub.Docker.com/library/nginx", "nginx"),
    ("grafana/grafana:10.2.0", "grafana/grafana"),
    ("index.docker.io/grafana/grafana:10.2.0", "grafana/grafana"),
    ("mcr.microsoft.com/dotnet/aspnet:8.0", "dotnet/aspnet"),
    ("ghcr.io/org/app:v1", "ghcr.io/org/app"),
    ("quay.io/org/app:v1", "quay.io/org/app"),
    ("myacr.azurecr.io/team/app:v1", "team/app"),
    ("myacr.azurecr.cn/team/app:v1", "team/app"),
    ("private.registry.test/team/app:3", "private.registry.test/team/app"),
])
def test_the_seed_rule(source, repository):
    assert named(source) == repository


@pytest.mark.parametrize("source, repository", [
    ("GHCR.io/org/app:v1", "ghcr.io/org/app"),
    ("MCR.Microsoft.com/dotnet/aspnet:8.0", "dotnet/aspnet"),
    ("MyACR.AzureCR.io/team/app:v1", "team/app"),
])
def test_an_upper_case_host_names_like_its_lower_case_form(source, repository):
    assert named(source) == repository


@pytest.mark.parametrize("source, repository", [
    ("registry.example.com:5000/team/api:1", "registry.example.com-5000/team/api"),
    ("localhost:5000/x:1", "localhost-5000/x"),
    ("Registry.Example.com:443/team/api:1", "registry.example.com-443/team/api"),
])
def test_a_port_becomes_a_valid_path_component(source, repository):
    assert named(source) == repository
    assert reference.parse_repository_path(repository) == repository


def test_a_prefix_goes_in_front():
    assert named("nginx:1.25", "mirror/") == "mirror/nginx"
    assert named("ghcr.io/org/app:v1", "mirror/") == "mirror/ghcr.io/org/app"
    assert named("myacr.azurecr.io/team/app:v1", "mirror/") == "mirror/team/app"
    assert named("nginx:1.25", None) == "nginx"


def test_an_image_path_in_source_registry_keeps_its_path():
    assert source_registry_repository("team/app") == "team/app"
    assert source_registry_repository("app", "mirror/") == "mirror/app"
    assert source_registry_repository("team/app") == named("myacr.azurecr.io/team/app:v1"), "one ACR image, one name, however it is written"


@pytest.mark.parametrize("source", ["[::1]:5000/team/app:1", "[fe80::1]/app:1"])
def test_an_ip_v6_host_is_refused_with_advice(source):
    with pytest.raises(TargetNamingError) as info:
        named(source)
    assert "give targets" in str(info.value) and source.split("/")[0] in str(info.value)


@pytest.mark.parametrize("source, prefix, fragment", [
    ("ghcr.io/" + "a" * 250 + ":1", "", "too long"),
    ("nginx:1", "m" * 251 + "/", "too long"),
    ("localhost/app:1", "", "localhost"),  # ACR could not reach the controller's localhost anyway
    ("nginx:1", "Mirror/", "lowercase"),
])
def test_a_name_acr_cannot_hold_is_refused_with_advice(source, prefix, fragment):
    with pytest.raises(TargetNamingError) as info:
        named(source, prefix)
    assert fragment in str(info.value) and "give targets" in str(info.value)


def test_the_longest_valid_name_is_kept():
    path = "org/" + "a" * (255 - len("ghcr.io/org/"))
    assert len(named("ghcr.io/%s:1" % path)) == 255

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Input validation happens before any network call, with messages that say what to write instead."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import image_requests
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

DIGEST = "sha256:" + "c" * 64


def validate(**spec):
    return image_requests.validate_image(spec, {}, "source")


@pytest.mark.parametrize("source, tags", [
    ("nginx:1.25", (("nginx", "1.25"),)),
    ("docker.io/library/nginx:1.25", (("nginx", "1.25"),)),
    ("nginx", (("nginx", "latest"),)),
    ("grafana/grafana:10.2.0", (("grafana/grafana", "10.2.0"),)),
    ("ghcr.io/org/app:v2", (("org/app", "v2"),)),
    ("mcr.microsoft.com/dotnet/aspnet:8.0", (("dotnet/aspnet", "8.0"),)),
    ("nginx:1.25@" + DIGEST, (("nginx", "1.25"),)),
])
def test_default_targets(source, tags):
    assert validate(source=source).tags == tags


def test_explicit_targets_inherit_the_source_tag():
    item = validate(source="nginx:1.25", targets=["mirror/nginx", "web:stable"])
    assert item.tags == (("mirror/nginx", "1.25"), ("web", "stable"))


@pytest.mark.parametrize("spec, fragment", [
    (dict(source="nginx:1.25", targets=[]), "omit it"),
    (dict(source="app@" + DIGEST), "digest only"),
    (dict(source="app@" + DIGEST, targets=["app"]), "no tag"),
    (dict(source="nginx:1.25", source_username="u"), "without source_password"),
    (dict(source="ghcr.io/org/app:1", source_registry="devacr"), "names a registry host"),
    (dict(source="app:1", source_registry="devacr", source_password="p"), "Azure credentials"),
    (dict(source="Nginx:1.25"), "lowercase"),
    (dict(source="nginx:1.25", targets=["Mirror/nginx"]), "invalid target"),
    (dict(source="nginx:1.25", targets=["a:1", "a:1"]), "listed twice"),
    (dict(source=""), "empty"),
    (dict(source="nginx:1.25\nrm -rf /"), "invalid source"),
])
def test_nonsense_is_refused(spec, fragment):
    with pytest.raises(AcrOpsError) as info:
        validate(**spec)
    assert fragment in str(info.value)


def test_password_alone_is_a_token():
    item = validate(source="ghcr.io/org/app:1", source_password="tok")
    assert item.username is None and item.password == "tok"


def test_source_registry_image_path_is_bound_later():
    item = validate(source="team/app:7", source_registry="devacr")
    bound = image_requests.bind_source_registry(item.source, "devacr.azurecr.io")
    assert str(bound) == "devacr.azurecr.io/team/app:7"
    assert item.tags == (("team/app", "7"),)


def test_digest_only_source_with_untagged_needs_no_tags():
    item = validate(source="app@" + DIGEST, untagged_repositories=["archive/app"])
    assert item.tags == () and item.untagged == ("archive/app",)


def test_batch_refuses_one_target_from_two_sources_naming_both():
    with pytest.raises(AcrOpsError) as info:
        image_requests.validate_batch([{"source": "nginx:1.25", "targets": ["web:1"]},
                                       {"source": "httpd:2", "targets": ["web:1"]}], {})
    assert "images[0]" in str(info.value) and "images[1]" in str(info.value)


def test_batch_defaults_come_from_module_level():
    items = image_requests.validate_batch([{"source": "nginx:1.25"}, {"source": "redis:7", "force": False}], {"force": True})
    assert [i.force for i in items] == [True, False]

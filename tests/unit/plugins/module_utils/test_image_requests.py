# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Input validation happens before any network call, with messages that say what to write instead."""

from __future__ import annotations

import types

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
    ("ghcr.io/org/app:v2", (("ghcr.io/org/app", "v2"),)),
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


# ---- source credentials are bound to their registry host (issue 20) ----------------------------------------------
def test_source_credentials_reach_only_the_entries_of_their_host():
    by_host = image_requests.parse_source_credentials({"Registry-1.Docker.IO": {"username": "hub", "password": "hub-secret"},
                                                       "localhost:5000": {"password": "local-token"}})
    items = image_requests.validate_batch([
        {"source": "nginx:1"}, {"source": "docker.io/team/app:1"}, {"source": "ghcr.io/org/app:1"}, {"source": "quay.io/org/app:1"},
        {"source": "localhost:5000/app:1"}, {"source": "ghcr.io/org/own:1", "source_password": "own-token"},
        {"source": "app:1", "source_registry": "devregistry"}, {"source": "docker.io/library/redis", "tag_policy": {"latest": 1}},
    ], {"source_credentials": by_host})
    assert [i.credentials for i in items] == [("hub", "hub-secret"), ("hub", "hub-secret"), None, None, (None, "local-token"),
                                              (None, "own-token"), None, ("hub", "hub-secret")]
    bodies = [i.import_body("sha256:" + "d" * 64, i.tags, (), "NoForce")["source"] for i in items[:4]]
    assert [b.get("credentials") for b in bodies] == [{"username": "hub", "password": "hub-secret"}] * 2 + [None, None]


def test_single_form_takes_its_host_credentials_unless_it_has_its_own():
    by_host = {"source_credentials": image_requests.parse_source_credentials({"ghcr.io": {"password": "gh"}})}
    assert image_requests.validate_image({"source": "GHCR.IO/org/app:1"}, by_host, "source").credentials == (None, "gh")
    assert image_requests.validate_image({"source": "nginx:1"}, by_host, "source").credentials is None
    own = {"source": "ghcr.io/org/app:1", "source_username": "u", "source_password": "mine"}
    assert image_requests.validate_image(own, by_host, "source").credentials == ("u", "mine")


# ---- tag policies and platforms ----------------------------------------------------------------------------------
def test_policy_entry_has_a_bare_source_and_target_repositories():
    item = validate(source="docker.io/library/nginx", tag_policy={"semver": ">=1.25 <1.27", "latest": 3})
    assert str(item.source) == "docker.io/library/nginx" and item.source.tag is None
    assert item.tags == () and item.repositories == ("nginx",)
    assert item.policy.latest == 3 and item.policy.semver.text == ">=1.25 <1.27"
    other = validate(source="ghcr.io/org/app", targets=["mirror/app", "ghcr.io/org/app"], tag_policy={"regex": "v.*"}, platform="linux/arm/v7")
    assert other.repositories == ("mirror/app", "ghcr.io/org/app") and other.platform == "linux/arm/v7"


def test_policy_with_a_source_acr_keeps_the_path():
    item = image_requests.validate_image({"source": "team/app", "source_registry": "devregistry", "tag_policy": {"latest": 2}}, {}, "x")
    assert item.repositories == ("team/app",)
    bound = image_requests.bind_source_registry(item.source, "devregistry.azurecr.io")
    assert str(bound) == "devregistry.azurecr.io/team/app" and bound.tag is None


@pytest.mark.parametrize("spec, fragments", [
    ({"source": "nginx:1.25", "tag_policy": {"latest": 3}}, ["names a tag", "'nginx'"]),
    ({"source": "ghcr.io/org/app@" + DIGEST, "tag_policy": {"latest": 3}}, ["names a digest", "'ghcr.io/org/app'"]),
    ({"source": "app:1", "source_registry": "devregistry", "tag_policy": {"latest": 3}}, ["names a tag", "'app'"]),
    ({"source": "nginx", "targets": ["web:1"], "tag_policy": {"latest": 3}}, ["has a tag", "'web'"]),
    ({"source": "nginx", "targets": ["web", "web"], "tag_policy": {"latest": 3}}, ["listed twice"]),
    ({"source": "nginx", "targets": [], "tag_policy": {"latest": 3}}, ["empty list"]),
    ({"source": "nginx", "untagged_repositories": ["a"], "tag_policy": {"latest": 3}}, ["untagged_repositories", "drop"]),
    ({"source": "nginx", "tag_policy": {"regex": "("}}, ["tag_policy", "not a valid regular expression"]),
    ({"source": "nginx", "tag_policy": {"semver": "banana"}}, ["tag_policy", "not a version"]),
    ({"source": "nginx", "tag_policy": {"latest": 0}}, ["at least 1"]),
    ({"source": "nginx", "tag_policy": {}}, ["empty"]),
    ({"source": "nginx:1", "platform": "amd64"}, ["os/architecture", "linux/amd64"]),
    ({"source": "nginx:1", "platform": "linux/amd64/v2/x"}, ["os/architecture"]),
    ({"source": "nginx:1", "platform": "Linux/AMD64"}, ["os/architecture"]),
])
def test_bad_policy_entries_are_refused_before_any_call(spec, fragments):
    with pytest.raises(AcrOpsError) as info:
        image_requests.validate_image(spec, {}, "images[0]")
    for fragment in fragments:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_platform_defaults_from_the_module_level():
    items = image_requests.validate_batch([{"source": "nginx:1"}, {"source": "redis:7", "platform": "linux/arm64"}], {"platform": "linux/amd64"})
    assert [i.platform for i in items] == ["linux/amd64", "linux/arm64"]


def test_one_target_from_two_platforms_of_one_source_is_a_conflict():
    with pytest.raises(AcrOpsError, match="two sources"):
        image_requests.validate_batch([{"source": "nginx:1", "platform": "linux/amd64"}, {"source": "nginx:1", "platform": "linux/arm64"}], {})


def test_the_import_body_names_the_source_exactly_as_planned():
    # issue 21, mutation testing: the whole importImage body, field by field (ARM's contract, ../shared/reference/FACTS.md).
    planned = "sha256:" + "d" * 64
    tagged = validate(source="ghcr.io/org/app:v2", source_username="u", source_password="p")
    assert tagged.import_body(planned, ("app:v2", "app:stable"), ("app",), "Force") == {
        "source": {"sourceImage": "org/app@" + planned, "registryUri": "ghcr.io", "credentials": {"username": "u", "password": "p"}},
        "mode": "Force", "targetTags": ["app:v2", "app:stable"], "untaggedTargetRepositories": ["app"]}
    assert validate(source="nginx:1.25", source_password="tok").import_body(None, (), (), "NoForce") == {
        "source": {"sourceImage": "library/nginx:1.25", "registryUri": "docker.io", "credentials": {"password": "tok"}},
        "mode": "NoForce"}
    assert validate(source="ghcr.io/org/app@" + DIGEST, targets=["app:x"]).import_body(None, ("app:x",), (), "NoForce") == {
        "source": {"sourceImage": "org/app@" + DIGEST, "registryUri": "ghcr.io"}, "mode": "NoForce", "targetTags": ["app:x"]}
    source_acr = types.SimpleNamespace(id="/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/src",
                                       login_server="src.azurecr.io")
    from_acr = tagged.resolved(source_acr, tagged.source.__class__("src.azurecr.io", "org/app", "v2"))
    assert from_acr.source_host == "src.azurecr.io" and str(from_acr.source) == "src.azurecr.io/org/app:v2"
    expected = {"sourceImage": "org/app@" + planned, "resourceId": source_acr.id}
    assert from_acr.import_body(planned, ("app:v2",), (), "NoForce")["source"] == expected

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Import request validation word for word, and the requests it builds field by field (issue 21, mutation testing):
test_image_requests.py checks a fragment of each refusal; a user reads the whole sentence, with the option and the entry
named, to know what to write, and the importer reads every field of an ImageRequest."""

from __future__ import annotations

import types

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import image_requests
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.image_requests import ImageRequest
from ansible_collections.acrops.registry.plugins.module_utils.reference import ImageReference
from ansible_collections.acrops.registry.plugins.module_utils.tag_policy import parse_policy

DIGEST = "sha256:" + "c" * 64
PLACEHOLDER = "source-registry.invalid"
NO_PRUNE = ("images[0]: prune and prune_untagged need a tag policy (tag_policy): an entry of listed tags owns no tags beyond those it "
            "lists, so it cannot prune; delete tags by name with acrops.registry.acr_tag")
POLICY = {"latest": 1}


def refusal(call, *args, **kwargs):
    with pytest.raises(AcrOpsError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


def hub(repository, tag=None, digest=None):
    return ImageReference("docker.io", repository, tag, digest)


# ---- validate_image: every refusal, with the entry named ----------------------------------------------------------------
@pytest.mark.parametrize("spec, defaults, expected", [
    ({"source": "nginx:1", "source_username": "u"}, {},
     "images[0]: source_username without source_password: give the password (or a token as source_password alone)"),
    ({"source": "app:1", "source_registry": "acr", "source_password": "p"}, {},
     "images[0]: source_registry imports with Azure credentials; drop source_username/source_password, or name the registry in source "
     "(login server) to use registry credentials instead"),
    ({"source": "app:1", "source_password": "p"}, {"source_registry": "acr"},
     "images[0]: source_registry imports with Azure credentials; drop source_username/source_password, or name the registry in source "
     "(login server) to use registry credentials instead"),
    ({"source": "nginx:1", "platform": "linux/amd64", "platforms": ["linux/arm64"]}, {},
     "images[0]: platform and platforms do not go together: platform imports one child manifest, platforms keeps several in an index; "
     "use one of them"),
    ({"source": "nginx:1"}, {"platform": "linux/amd64", "platforms": ["linux/arm64"]},
     "images[0]: platform and platforms do not go together: platform imports one child manifest, platforms keeps several in an index; "
     "use one of them"),
    ({"source": "nginx:1", "platforms": ["linux/arm64"], "untagged_repositories": ["a"]}, {},
     "images[0]: platforms and untagged_repositories do not go together: a filtered index is pushed under tags only"),
    ({"source": "nginx:1", "platform": "amd64"}, {},
     "images[0]: platform 'amd64' is not os/architecture[/variant]: write e.g. 'linux/amd64', 'linux/arm64' or 'linux/arm/v7'"),
    ({"source": "nginx:1"}, {"platform": "amd64"},
     "images[0]: platform 'amd64' is not os/architecture[/variant]: write e.g. 'linux/amd64', 'linux/arm64' or 'linux/arm/v7'"),
    ({"source": "nginx:1", "platforms": "linux/amd64"}, {},
     "images[0]: platforms must be a non-empty list of platforms, e.g. [linux/amd64, linux/arm64]"),
    ({"source": "nginx:1", "referrers_types": ["application/x"]}, {},
     "images[0]: referrers_types is set but referrers is not: set referrers: true to copy the image's referrers"),
    ({"source": "nginx:1", "prune": True}, {}, NO_PRUNE),
    ({"source": "nginx:1", "prune": "repository"}, {}, NO_PRUNE),
    ({"source": "nginx:1", "prune_untagged": True}, {}, NO_PRUNE),
    ({"source": "nginx:1", "untagged": "all"}, {},
     "images[0]: untagged: all copies the untagged manifests of whole repositories: it goes with repositories, tags (all or a list) or a "
     "tag_policy on an ACR source, not with one image (for one untagged manifest use untagged_repositories and a source by digest)"),
    ({"source": "nginx:1", "untagged": "no"}, {},
     "images[0]: untagged: all copies the untagged manifests of whole repositories: it goes with repositories, tags (all or a list) or a "
     "tag_policy on an ACR source, not with one image (for one untagged manifest use untagged_repositories and a source by digest)"),
    ({"source": "nginx:1", "backup": ""}, {}, "images[0]: backup must be a template string such as '{tag}-prev-{before_digest12}'"),
    ({"source": "nginx:1"}, {"backup": "prev"},
     "images[0]: backup 'prev' must contain {tag}, or every tag of the entry would back up under one name"),
    ({"source": "[::1]:5000/app:1"}, {}, "source [::1]:5000/app:1 is on an IPv6 address ([::1]:5000), which no repository name can hold: give targets"),
    # with a tag policy
    ({"source": "nginx", "tags": ["1"], "tag_policy": POLICY}, {},
     "images[0]: tags and tag_policy do not go together: write tags: all, a list of tags, or a tag_policy"),
    ({"source": "nginx", "tag_policy": POLICY, "prune": "maybe"}, {},
     "images[0]: prune must be true, false or repository (the whole target repository belongs to the entry), not 'maybe'"),
    ({"source": "nginx", "tag_policy": POLICY}, {"prune": "maybe"},
     "images[0]: prune must be true, false or repository (the whole target repository belongs to the entry), not 'maybe'"),
    ({"source": "nginx", "tag_policy": POLICY, "backup": "x"}, {},
     "images[0]: backup 'x' must contain {tag}, or every tag of the entry would back up under one name"),
    ({"source": "nginx", "tag_policy": {"lates": 1}}, {}, "images[0]: tag_policy: unknown tag policy keys lates: use regex, exclude, semver, latest"),
    ({"source": "nginx", "tag_policy": POLICY, "untagged": "some"}, {},
     "images[0]: untagged must be 'all' (every untagged manifest of the repository, by digest), got 'some'"),
    ({"source": "nginx", "tag_policy": POLICY, "untagged": "all"}, {},
     "images[0]: untagged: all needs an Azure Container Registry source (it lists /acr/v1/{repo}/_manifests); docker.io is Docker Hub, "
     "whose untagged manifests cannot be listed"),
    ({"source": "ghcr.io/org/app", "tag_policy": POLICY, "untagged": "all", "source_password": "p"}, {},
     "images[0]: untagged: all lists the source ACR's manifests with the run's Azure identity: drop the source credentials "
     "(source_username/source_password, source_credentials for ghcr.io), or name the ACR with source_registry"),
    ({"source": "ghcr.io/org/app", "tag_policy": POLICY, "untagged": "all"}, {"source_credentials": {"ghcr.io": (None, "tok")}},
     "images[0]: untagged: all lists the source ACR's manifests with the run's Azure identity: drop the source credentials "
     "(source_username/source_password, source_credentials for ghcr.io), or name the ACR with source_registry"),
    ({"source": "[::1]:5000/app", "tag_policy": POLICY}, {},
     "source [::1]:5000/app is on an IPv6 address ([::1]:5000), which no repository name can hold: give targets"),
])
def test_each_refusal_of_an_entry_in_full(spec, defaults, expected):
    assert refusal(image_requests.validate_image, spec, defaults, "images[0]") == expected


def test_what_is_not_refused():
    validate = image_requests.validate_image
    assert validate({"source": "app:1", "source_password": "p"}, {}, "e").credentials == (None, "p")
    assert validate({"source": "app:1", "source_registry": "acr"}, {}, "e").source_registry == "acr"
    assert validate({"source": "app:1", "platform": "linux/amd64"}, {}, "e").platform == "linux/amd64"
    for quiet in ({"prune": False}, {"prune": None}, {"prune_untagged": False}, {"untagged": None}):
        assert validate(dict(quiet, source="app:1"), {}, "e").tags == (("app", "1"),), quiet
    # module-level prune is for the entries with a policy; an entry of listed tags is not refused for it
    assert validate({"source": "app:1"}, {"prune": True, "prune_untagged": True}, "e").prune is False


# ---- the requests built, every field --------------------------------------------------------------------------------------
def test_a_listed_tags_entry_sets_every_field_it_owns():
    spec = {"source": "ghcr.io/org/app:1.25", "source_username": "u", "source_password": "p", "targets": ["web", "web:stable"],
            "untagged_repositories": ["archive/app"], "force": True, "label": "the app", "platform": "linux/arm/v7", "referrers": True,
            "referrers_types": ["application/spdx+json"], "lock": True, "backup": "{tag}-prev"}
    assert image_requests.validate_image(spec, {}, "images[3]") == ImageRequest(
        ImageReference("ghcr.io", "org/app", "1.25"), None, None, "u", "p", (("web", "1.25"), ("web", "stable")), ("archive/app",), True,
        "the app", None, (), "linux/arm/v7", None, True, ("application/spdx+json",), None, False, True, False, False, "{tag}-prev", (), False)


def test_a_listed_tags_entry_takes_the_module_defaults():
    defaults = {"source_registry": "devacr", "force": True, "platforms": ["linux/amd64", "linux/arm64", "linux/amd64"], "referrers": True,
                "referrers_types": ["application/vnd.cncf.notary.signature"], "lock": True, "backup": "{tag}-old"}
    assert image_requests.validate_image({"source": "team/app:2"}, defaults, "images[0] (team/app:2)") == ImageRequest(
        ImageReference(PLACEHOLDER, "team/app", "2"), "devacr", None, None, None, (("team/app", "2"),), (), True, "images[0] (team/app:2)",
        None, (), None, None, True, ("application/vnd.cncf.notary.signature",), None, False, True, False, False, "{tag}-old",
        ("linux/amd64", "linux/arm64"), False)


def test_an_entry_value_outranks_the_module_default_even_when_false():
    defaults = {"force": True, "lock": True, "referrers": True, "backup": "{tag}-old", "source_registry": "devacr"}
    item = image_requests.validate_image({"source": "app:1", "force": False, "lock": False, "referrers": False, "backup": "{tag}-b",
                                          "source_registry": "other"}, defaults, "e")
    assert (item.force, item.lock, item.referrers, item.backup, item.source_registry) == (False, False, False, "{tag}-b", "other")


def test_an_entry_platform_or_platforms_outranks_both_module_defaults():
    validate = image_requests.validate_image
    defaults = {"platform": "linux/amd64"}
    own = validate({"source": "app:1", "platforms": ["linux/arm64"]}, defaults, "e")
    assert (own.platform, own.platforms) == (None, ("linux/arm64",))
    defaults = {"platforms": ["linux/amd64"]}
    own = validate({"source": "app:1", "platform": "linux/arm64"}, defaults, "e")
    assert (own.platform, own.platforms) == ("linux/arm64", ())
    module = validate({"source": "app:1"}, defaults, "e")
    assert (module.platform, module.platforms) == (None, ("linux/amd64",))


def test_a_policy_entry_sets_every_field_it_owns():
    spec = {"source": "ghcr.io/org/app", "source_username": "u", "source_password": "p", "targets": ["mirror/app", "app"],
            "tag_policy": {"regex": "v.*", "latest": 2}, "force": True, "label": "the app", "platform": "linux/arm64", "referrers": True,
            "referrers_types": ["application/spdx+json"], "max_tags": 7, "lock": True, "prune": "repository", "prune_untagged": True,
            "backup": "{tag}-prev"}
    assert image_requests.validate_image(spec, {}, "images[1]") == ImageRequest(
        ImageReference("ghcr.io", "org/app"), None, None, "u", "p", (), (), True, "the app", parse_policy({"regex": "v.*", "latest": 2}),
        ("mirror/app", "app"), "linux/arm64", None, True, ("application/spdx+json",), 7, False, True, "repository", True, "{tag}-prev", (),
        False)


def test_a_policy_entry_takes_the_module_defaults():
    defaults = {"source_registry": "devacr", "force": True, "platforms": ["linux/amd64"], "referrers": True, "lock": True, "prune": "true",
                "prune_untagged": True, "backup": "{tag}-old", "max_tags": 3}
    assert image_requests.validate_image({"source": "team/app", "tags": "all", "untagged": "all"}, defaults, "images[2]") == ImageRequest(
        ImageReference(PLACEHOLDER, "team/app"), "devacr", None, None, None, (), (), True, "images[2]", parse_policy({"regex": ".*"}),
        ("team/app",), None, None, True, (), None, True, True, True, True, "{tag}-old", ("linux/amd64",), True)


def test_untagged_all_is_taken_for_an_acr_named_in_source():
    item = image_requests.validate_image({"source": "src.azurecr.io/team/app", "tag_policy": POLICY, "untagged": "all"}, {}, "e")
    assert item.untagged_all is True and item.credentials is None
    assert image_requests.validate_image({"source": "src.azurecr.io/team/app", "tag_policy": POLICY}, {}, "e").untagged_all is False


def test_untagged_repositories_with_and_without_tags():
    validate = image_requests.validate_image
    by_digest = validate({"source": "app@" + DIGEST, "untagged_repositories": ["a", "b/c"], "targets": ["app:x"]}, {}, "e")
    assert (by_digest.tags, by_digest.untagged) == ((("app", "x"),), ("a", "b/c"))
    tagged = validate({"source": "app:1", "untagged_repositories": ["a"]}, {}, "e")
    assert (tagged.tags, tagged.untagged) == ((("app", "1"),), ("a",))
    assert refusal(validate, {"source": "app@" + DIGEST}, {}, "e") == (
        "source docker.io/library/app@%s is given by digest only: set targets (repo:tag) or untagged_repositories, so that no tag is "
        "written by accident" % DIGEST)


# ---- credentials by host -------------------------------------------------------------------------------------------------
def test_credentials_come_from_the_source_host_only_without_a_source_registry():
    by_host = {"source_credentials": {"ghcr.io": ("hub", "secret"), PLACEHOLDER: ("x", "leak")}}
    validate = image_requests.validate_image
    listed = validate({"source": "GHCR.io/org/app:1"}, by_host, "e")
    assert (listed.username, listed.password) == ("hub", "secret")
    policy = validate({"source": "ghcr.io/org/app", "tag_policy": POLICY}, by_host, "e")
    assert (policy.username, policy.password) == ("hub", "secret")
    for spec in ({"source": "app:1"}, {"source": "app", "tag_policy": POLICY}):
        from_acr = validate(dict(spec, source_registry="devacr"), by_host, "e")
        assert (from_acr.username, from_acr.password) == (None, None), spec
        module_acr = validate(spec, dict(by_host, source_registry="devacr"), "e")
        assert (module_acr.username, module_acr.password, module_acr.source.registry) == (None, None, PLACEHOLDER), spec
    own = validate({"source": "ghcr.io/org/app", "tag_policy": POLICY, "source_password": "own"}, by_host, "e")
    assert (own.username, own.password) == (None, "own")


# ---- tags_as_policy ------------------------------------------------------------------------------------------------------
def test_tags_become_a_policy_and_the_entry_is_left_alone():
    spec = {"source": "nginx", "tags": "all", "max_tags": 1}
    assert image_requests.tags_as_policy(spec, "e") == {"source": "nginx", "tag_policy": {"regex": ".*"}, "all_tags": True, "max_tags": 1}
    assert spec == {"source": "nginx", "tags": "all", "max_tags": 1}
    spec = {"source": "nginx", "tags": ["1.25", "latest", "v1.0-rc_x"]}
    assert image_requests.tags_as_policy(spec, "e") == {"source": "nginx", "tag_policy": {"regex": ["1\\.25", "latest", "v1\\.0\\-rc_x"]}}
    assert spec == {"source": "nginx", "tags": ["1.25", "latest", "v1.0-rc_x"]}
    assert image_requests.tags_as_policy({"source": "nginx", "tag_policy": POLICY, "max_tags": 1}, "e") == {
        "source": "nginx", "tag_policy": POLICY, "max_tags": 1}
    untouched = {"source": "nginx:1"}
    assert image_requests.tags_as_policy(untouched, "e") is untouched


@pytest.mark.parametrize("spec, expected", [
    ({"tags": "1.25"}, "e: tags must be 'all' or a non-empty list of tags, e.g. [latest, '1.25']"),
    ({"tags": []}, "e: tags must be 'all' or a non-empty list of tags, e.g. [latest, '1.25']"),
    ({"tags": ["1", ""]}, "e: tags must be 'all' or a non-empty list of tags, e.g. [latest, '1.25']"),
    ({"tags": ["1", 2]}, "e: tags must be 'all' or a non-empty list of tags, e.g. [latest, '1.25']"),
    ({"tags": "ALL"}, "e: tags must be 'all' or a non-empty list of tags, e.g. [latest, '1.25']"),
    ({"tags": ["1", "a b"]}, "e: 'a b' in tags is not a valid tag"),
    ({"tags": [".hidden"]}, "e: '.hidden' in tags is not a valid tag"),
    ({"tags": "all", "tag_policy": POLICY}, "e: tags and tag_policy do not go together: write tags: all, a list of tags, or a tag_policy"),
    ({"max_tags": 3}, "e: max_tags caps a tag_policy or tags: all; this entry has neither"),
    ({"tags": "all", "max_tags": 0}, "e: max_tags must be at least 1"),
    ({"tag_policy": POLICY, "max_tags": -1}, "e: max_tags must be at least 1"),
])
def test_tags_and_max_tags_refusals(spec, expected):
    assert refusal(image_requests.tags_as_policy, dict(spec, source="nginx"), "e") == expected


# ---- validate_batch ------------------------------------------------------------------------------------------------------
def test_batch_entries_are_labelled_by_index_and_source():
    items = image_requests.validate_batch([{"repositories": ["Not Checked Here"]}, {"source": "nginx:1"}, {"source": "app:2", "label": "mine"}], {})
    assert [(i.label, i.tags) for i in items] == [("images[1] (nginx:1)", (("nginx", "1"),)), ("mine", (("app", "2"),))]
    assert refusal(image_requests.validate_batch, [{"source": "nginx:1"}, {"source": "app:1", "source_username": "u"}], {}) == (
        "images[1] (app:1): source_username without source_password: give the password (or a token as source_password alone)")


@pytest.mark.parametrize("images, defaults, expected", [
    ([{"source": "nginx:1"}, "nginx:1"], {}, "images[1] must be a mapping with at least source"),
    ([{"source": "nginx:1"}, {"source": "app:1", "target_prefix": "m/"}], {},
     "images[1]: target_prefix goes with repositories (it names each selected repository's target); write targets for one repository"),
    ([{"source": "nginx:1"}, {"source": "app:1", "referrers": False}], {"referrers_types": ["application/spdx+json"]},
     "referrers_types is set but referrers is not (neither for the module nor for any entry of images): set referrers: true to copy "
     "the images' referrers"),
    # an entry that is no mapping is named, not an AttributeError, even beside the module's referrers_types
    (["nginx:1", {"source": "app:1", "referrers": True}], {"referrers_types": ["application/spdx+json"]},
     "images[0] must be a mapping with at least source"),
    ([{"source": "nginx:1", "targets": ["web:1"]}, {"source": "httpd:2", "targets": ["web:1"]}], {},
     "target web:1 is fed by two sources: images[0] (docker.io/library/nginx:1) and images[1] (docker.io/library/httpd:2); give one "
     "of them other targets"),
    ([{"source": "nginx:1", "platform": "linux/amd64", "targets": ["w:1"]},
      {"source": "nginx:1", "platforms": ["linux/arm64", "linux/amd64"], "targets": ["w:1"]}], {},
     "target w:1 is fed by two sources: images[0] (docker.io/library/nginx:1 for linux/amd64) and images[1] (docker.io/library/nginx:1 "
     "for linux/arm64, linux/amd64); give one of them other targets"),
])
def test_batch_refusals_in_full(images, defaults, expected):
    assert refusal(image_requests.validate_batch, images, defaults) == expected


def test_batch_referrers_types_need_referrers_somewhere():
    types_ = {"referrers_types": ["application/spdx+json"]}
    one = image_requests.validate_batch([{"source": "nginx:1"}, {"source": "app:1", "referrers": True}], types_)
    assert [(i.referrers, i.referrers_types) for i in one] == [(False, ("application/spdx+json",)), (True, ("application/spdx+json",))]
    module = image_requests.validate_batch([{"source": "nginx:1"}], dict(types_, referrers=True))
    assert [(i.referrers, i.referrers_types) for i in module] == [(True, ("application/spdx+json",))]


def test_one_source_may_feed_a_target_twice():
    items = image_requests.validate_batch([{"source": "nginx:1", "targets": ["w:1"]}, {"source": "docker.io/library/nginx:1", "targets": ["w:1"]}], {})
    assert [i.tags for i in items] == [(("w", "1"),)] * 2


def test_check_targets_names_the_platform_of_each_side():
    amd = ImageRequest(hub("library/nginx", "1"), tags=(("w", "1"),), label="a", platform="linux/amd64")
    arm = amd._replace(label="b", platform="linux/arm64")
    image_requests.check_targets([amd, amd._replace(label="again")])
    assert refusal(image_requests.check_targets, [amd, arm]) == (
        "target w:1 is fed by two sources: a (docker.io/library/nginx:1 for linux/amd64) and b (docker.io/library/nginx:1 for "
        "linux/arm64); give one of them other targets")


# ---- the parsers one by one ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, source_registry, expected", [
    (None, None, "source is empty: write an image reference such as docker.io/library/nginx:1.25"),
    (" ", None, "source is empty: write an image reference such as docker.io/library/nginx:1.25"),
    (None, "acr", "source is empty: write an image reference such as docker.io/library/nginx:1.25"),
    ("ghcr.io/org/team/app:1", "acr", "source 'ghcr.io/org/team/app:1' names a registry host (ghcr.io) and source_registry is set too: "
     "with source_registry write only the image path, e.g. 'org/team/app:1'"),
    ("localhost/app:1", "acr", "source 'localhost/app:1' names a registry host (localhost) and source_registry is set too: with "
     "source_registry write only the image path, e.g. 'app:1'"),
    ("host:5000/app:1", "acr", "source 'host:5000/app:1' names a registry host (host:5000) and source_registry is set too: with "
     "source_registry write only the image path, e.g. 'app:1'"),
    ("Org/app:1", "acr", "invalid source 'Org/app:1': repository name must be lowercase: 'Org/app:1' has 'Org/app': write 'org/app' instead"),
    ("Nginx", None, "invalid source: repository name must be lowercase: 'Nginx' has 'Nginx': write 'nginx' instead"),
])
def test_parse_source_refusals(text, source_registry, expected):
    assert refusal(image_requests.parse_source, text, source_registry) == expected


def test_parse_source_inside_a_source_registry():
    parse = image_requests.parse_source
    assert parse("org/app", "acr") == ImageReference(PLACEHOLDER, "org/app", "latest")
    assert parse("org/app", "acr", default_tag=None) == ImageReference(PLACEHOLDER, "org/app")
    assert parse("app:1", "acr") == ImageReference(PLACEHOLDER, "app", "1"), "a tag is no host"
    assert parse("myhost/app:1", "acr") == ImageReference(PLACEHOLDER, "myhost/app", "1"), "a first component without . or : is a path"
    assert parse("nginx", None) == hub("library/nginx", "latest") and parse("nginx", None, default_tag=None) == hub("library/nginx")


def test_default_repository_and_target():
    assert image_requests.default_repository(image_requests.parse_source("team/app:1", "acr")) == "team/app"
    assert image_requests.default_repository(image_requests.parse_source("docker.io/team/app:1", None)) == "team/app"
    assert image_requests.default_repository(image_requests.parse_source("ghcr.io/team/app:1", None)) == "ghcr.io/team/app"
    assert image_requests.default_target(hub("library/nginx", "1", DIGEST)) == ("nginx", "1")


@pytest.mark.parametrize("targets, source, expected", [
    ([], hub("library/app", "1"), "targets is an empty list: omit it to use the default (app:1), or list repo:tag names"),
    ([], hub("library/app", digest=DIGEST), "targets is an empty list: omit it to use the default (repo:tag), or list repo:tag names"),
    (["a:1", "x"], hub("library/app", digest=DIGEST),
     "target 'x' has no tag and the source docker.io/library/app@%s has none to inherit: write x:TAG" % DIGEST),
    (["X:1"], hub("library/app", "1"), "invalid target 'X:1': repository name must be lowercase: 'X:1' has 'X': write 'x' instead"),
    (["a", "b", "a:1"], hub("library/app", "1"), "target a:1 is listed twice"),
])
def test_parse_targets_refusals(targets, source, expected):
    assert refusal(image_requests.parse_targets, targets, source) == expected


def test_parse_targets_and_untagged():
    assert image_requests.parse_targets(None, hub("library/app", "1")) == (("app", "1"),)
    assert image_requests.parse_targets(["a", "b:2", "a:2"], hub("library/app", "1")) == (("a", "1"), ("b", "2"), ("a", "2"))
    assert image_requests.parse_untagged(None) == () and image_requests.parse_untagged(["a", "b/c"]) == ("a", "b/c")
    assert refusal(image_requests.parse_untagged, ["a", "Bad"]) == (
        "invalid untagged repository 'Bad': repository name must be lowercase: 'Bad' has 'Bad': write 'bad' instead")


def test_parse_platform_option():
    assert image_requests.parse_platform_option(None, "L") is None
    assert image_requests.parse_platform_option("linux/arm/v7", "L") == "linux/arm/v7"


MEDIA_SIDE = "a" * 127


@pytest.mark.parametrize("types_, expected", [
    ("application/spdx+json", "L: referrers_types must be a list of artifact types, e.g. [application/vnd.cncf.notary.signature]"),
    ({"application/spdx+json": 1}, "L: referrers_types must be a list of artifact types, e.g. [application/vnd.cncf.notary.signature]"),
    ([], "L: referrers_types is an empty list: omit it to copy referrers of every type, or list artifact types"),
    (["a/b", "bad"], "L: referrers_types entry 'bad' is not an artifact type: write a media type such as "
     "'application/vnd.cncf.notary.signature' or 'application/spdx+json'"),
    ([5], "L: referrers_types entry 5 is not an artifact type: write a media type such as "
     "'application/vnd.cncf.notary.signature' or 'application/spdx+json'"),
    ([MEDIA_SIDE + "a/b"], "L: referrers_types entry %r is not an artifact type: write a media type such as "
     "'application/vnd.cncf.notary.signature' or 'application/spdx+json'" % (MEDIA_SIDE + "a/b")),
    (["b/" + MEDIA_SIDE + "a"], "L: referrers_types entry %r is not an artifact type: write a media type such as "
     "'application/vnd.cncf.notary.signature' or 'application/spdx+json'" % ("b/" + MEDIA_SIDE + "a")),
    (["application/spdx+json\n"], "L: referrers_types entry 'application/spdx+json\\n' is not an artifact type: write a media type such as "
     "'application/vnd.cncf.notary.signature' or 'application/spdx+json'"),
])
def test_parse_referrers_types_refusals(types_, expected):
    assert refusal(image_requests.parse_referrers_types, types_, "L") == expected


def test_parse_referrers_types_accepts_media_types_at_their_limits():
    parse = image_requests.parse_referrers_types
    assert parse(None, "L") == ()
    assert parse(("a/b", "a/b", "Text/Plain", "application/vnd.cncf.notary.signature", "a/b"), "L") == (
        "a/b", "Text/Plain", "application/vnd.cncf.notary.signature")
    assert parse([MEDIA_SIDE + "/" + MEDIA_SIDE], "L") == (MEDIA_SIDE + "/" + MEDIA_SIDE,)


def test_parse_referrers_entry_over_module():
    parse = image_requests.parse_referrers
    module = {"referrers": True, "referrers_types": ["a/b"]}
    assert parse({}, {}, "L") == (False, ())
    assert parse({}, module, "L") == (True, ("a/b",))
    assert parse({"referrers": False}, module, "L") == (False, ("a/b",)), "the module's types stay: validate_batch checks them"
    assert parse({"referrers": True, "referrers_types": ["c/d"]}, {"referrers_types": ["a/b"]}, "L") == (True, ("c/d",))
    assert parse({"referrers_types": ["c/d"]}, module, "L") == (True, ("c/d",))
    assert parse({"referrers": 1}, {}, "L") == (True, ()) and parse({"referrers": 1}, {}, "L")[0] is True
    assert refusal(parse, {"referrers": False, "referrers_types": ["c/d"]}, module, "L") == (
        "L: referrers_types is set but referrers is not: set referrers: true to copy the image's referrers")
    for spec, defaults in (({"referrers": True, "referrers_types": []}, {}), ({"referrers": True}, {"referrers_types": []})):
        assert refusal(parse, spec, defaults, "L") == (
            "L: referrers_types is an empty list: omit it to copy referrers of every type, or list artifact types")


@pytest.mark.parametrize("targets, expected", [
    ([], "L: targets is an empty list: omit it to use the default repository, or list repositories"),
    (["a", "X"], "L: invalid target 'X': repository name must be lowercase: 'X' has 'X': write 'x' instead"),
    (["a", "b/c:1"], "L: target 'b/c:1' has a tag, but the tag policy chooses the tags: write the repository alone, e.g. 'b/c'"),
    (["a/b", "c", "a/b"], "L: target repository a/b is listed twice"),
])
def test_parse_policy_targets_refusals(targets, expected):
    assert refusal(image_requests.parse_policy_targets, targets, hub("library/app"), "L") == expected


def test_parse_policy_targets():
    assert image_requests.parse_policy_targets(None, hub("library/app"), "L") == ("app",)
    assert image_requests.parse_policy_targets(["a", "b/c"], hub("library/app"), "L") == ("a", "b/c")


@pytest.mark.parametrize("spec, expected", [
    ({"source": "ghcr.io/org/app:1"}, "L: source 'ghcr.io/org/app:1' names a tag, but the tag policy chooses the tags: write the "
     "repository alone, e.g. 'ghcr.io/org/app'"),
    ({"source": "localhost:5000/app:1@" + DIGEST}, "L: source 'localhost:5000/app:1@%s' names a tag, but the tag policy chooses the "
     "tags: write the repository alone, e.g. 'localhost:5000/app'" % DIGEST),
    ({"source": "app@" + DIGEST}, "L: source 'app@%s' names a digest, but the tag policy chooses the tags: write the repository alone, "
     "e.g. 'app'" % DIGEST),
    ({"source": "app:1", "source_registry": "acr"}, "L: source 'app:1' names a tag, but the tag policy chooses the tags: write the "
     "repository alone, e.g. 'app'"),
    ({"source": "app", "untagged_repositories": ["a"]}, "L: untagged_repositories and tag_policy do not go together: a policy imports "
     "tags; drop one of them"),
    ({"source": "app", "targets": []}, "L: targets is an empty list: omit it to use the default repository, or list repositories"),
])
def test_validate_policy_image_refusals(spec, expected):
    assert refusal(image_requests.validate_policy_image, spec, "L", POLICY) == expected


def test_validate_policy_image():
    assert image_requests.validate_policy_image({"source": "app", "targets": ["a"], "untagged_repositories": []}, "L", {"latest": 2}) == (
        hub("library/app"), parse_policy({"latest": 2}), ("a",))
    assert image_requests.validate_policy_image({"source": "team/app", "source_registry": "acr"}, "L", POLICY) == (
        ImageReference(PLACEHOLDER, "team/app"), parse_policy(POLICY), ("team/app",))


# ---- source credentials --------------------------------------------------------------------------------------------------
NOT_A_LOGIN = "%s.%s must be {username, password} with a password (a token alone goes in password)"


@pytest.mark.parametrize("mapping, option, expected", [
    ([], None, "source_credentials must be a mapping of registry hosts to {username, password}, e.g. {docker.io: {username: ..., "
     "password: ...}}"),
    ("docker.io", "acr_mirror_credentials", "acr_mirror_credentials must be a mapping of registry hosts to {username, password}, e.g. "
     "{docker.io: {username: ..., password: ...}}"),
    ({"https://x.io": {"password": "p"}}, None, "source_credentials: key 'https://x.io' is not a registry host: write the host alone, "
     "e.g. docker.io, ghcr.io or myregistry.example.com:5000 (no scheme, no path)"),
    ({"x.io": {"password": "p"}, "myhost": {"password": "p"}}, "creds", "creds: key 'myhost' is not a registry host: write the host "
     "alone, e.g. docker.io, ghcr.io or myregistry.example.com:5000 (no scheme, no path)"),
    ({"x.io": {"username": "u"}}, None, NOT_A_LOGIN % ("source_credentials", "x.io")),
    ({"x.io": {"username": "u", "password": ""}}, None, NOT_A_LOGIN % ("source_credentials", "x.io")),
    ({"x.io": {"password": "p", "token": "t"}}, "creds", NOT_A_LOGIN % ("creds", "x.io")),
    ({"x.io": "p"}, None, NOT_A_LOGIN % ("source_credentials", "x.io")),
    ({"docker.io": {"password": "p"}, "Index.Docker.IO": {"password": "q"}}, None,
     "source_credentials names docker.io twice (Docker Hub's aliases and a host's case are one host): remove one of them"),
    ({"x.io": {"password": "p"}, "X.IO": {"password": "q"}}, "creds",
     "creds names x.io twice (Docker Hub's aliases and a host's case are one host): remove one of them"),
])
def test_parse_source_credentials_refusals(mapping, option, expected):
    message = refusal(image_requests.parse_source_credentials, mapping, *([option] if option else []))
    assert message == expected and "'p'" not in message and "'q'" not in message


def test_parse_source_credentials():
    parse = image_requests.parse_source_credentials
    assert parse(None) == {}
    assert parse({"Registry-1.Docker.IO": {"username": "hub", "password": "s1"}, "GHCR.io": {"username": "", "password": "s2"},
                  "localhost:5000": {"password": "s3"}}) == {"docker.io": ("hub", "s1"), "ghcr.io": (None, "s2"), "localhost:5000": (None, "s3")}


@pytest.mark.parametrize("key, expected", [
    ("docker.io", True), ("Registry-1.Docker.IO", True), ("localhost", True), ("localhost:5000", True), ("1.2.3.4", True),
    ("a.b:12345", True), ("x:1", True), ("a.b", True),
    ("myhost", False), ("a.b:123456", False), ("-a.b", False), ("a.b-", False), ("a b.c", False), ("a.b/c", False),
    ("https://a.b", False), (5, False), (None, False),
])
def test_looks_like_host(key, expected):
    assert image_requests.looks_like_host(key) is expected


@pytest.mark.parametrize("host, expected", [
    (" Docker.IO ", "docker.io"), ("registry-1.docker.io", "docker.io"), ("index.docker.io", "docker.io"),
    ("Registry.Hub.Docker.com\t", "docker.io"), (" GHCR.io", "ghcr.io"), ("localhost:5000 ", "localhost:5000"),
])
def test_credentials_host(host, expected):
    assert image_requests.credentials_host(host) == expected


# ---- ImageRequest itself -------------------------------------------------------------------------------------------------
def test_an_image_request_has_these_defaults():
    assert ImageRequest(hub("library/nginx", "1"))._asdict() == {
        "source": hub("library/nginx", "1"), "source_registry": None, "source_acr": None, "username": None, "password": None, "tags": (),
        "untagged": (), "force": False, "label": None, "policy": None, "repositories": (), "platform": None, "selected_by": None,
        "referrers": False, "referrers_types": (), "max_tags": None, "all_tags": False, "lock": False, "prune": False,
        "prune_untagged": False, "backup": None, "platforms": (), "untagged_all": False}


def test_what_an_image_request_derives():
    item = ImageRequest(ImageReference("GHCR.io", "org/app", "1"), username="u", password="p")
    assert item.source_host == "GHCR.io" and item.credentials == ("u", "p")
    assert item.read_key == ("GHCR.io", "org/app", "1", "u", "p")
    assert ImageRequest(hub("library/nginx", "1")).read_key == ("registry-1.docker.io", "library/nginx", "1", None, None)
    assert item.origin == ("ghcr.io/org/app:1", None) and item.reads_index is False
    assert ImageRequest(hub("library/nginx", "1"), username="u").credentials is None
    assert ImageRequest(hub("library/nginx", "1"), password="t").credentials == (None, "t")
    one = ImageRequest(hub("library/nginx", "1"), platform="linux/amd64")
    assert one.origin == ("docker.io/library/nginx:1", "linux/amd64") and one.reads_index is True
    some = ImageRequest(hub("library/nginx", "1"), platforms=("linux/amd64", "linux/arm64"))
    assert some.origin == ("docker.io/library/nginx:1", ("linux/amd64", "linux/arm64")) and some.reads_index is True
    acr = types.SimpleNamespace(id="/subscriptions/s/resourceGroups/g/providers/Microsoft.ContainerRegistry/registries/src",
                                login_server="src.azurecr.io")
    assert item.resolved(acr, item.source).source_host == "src.azurecr.io"


@pytest.mark.parametrize("registry, password, suffix, expected", [
    ("src.azurecr.io", None, "azurecr.io", True),
    ("src.azurecr.io", "p", "azurecr.io", False),
    ("src.azurecr.io", None, "", False),
    ("src.azurecr.cn", None, "azurecr.io", False),
    ("srcazurecr.io", None, "azurecr.io", False),
])
def test_is_entra_acr_source(registry, password, suffix, expected):
    item = ImageRequest(ImageReference(registry, "app", "1"), password=password)
    assert image_requests.is_entra_acr_source(item, suffix) is expected


def test_bind_source_registry():
    bare = image_requests.parse_source("team/app", "acr", default_tag=None)
    assert image_requests.bind_source_registry(bare, "devacr.azurecr.io") == ImageReference("devacr.azurecr.io", "team/app")
    digest = image_requests.parse_source("team/app@" + DIGEST, "acr")
    assert image_requests.bind_source_registry(digest, "devacr.azurecr.io") == ImageReference("devacr.azurecr.io", "team/app", None, DIGEST)
    other = hub("library/nginx", "1")
    assert image_requests.bind_source_registry(other, "devacr.azurecr.io") is other

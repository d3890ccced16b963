# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Entries that name a registry or namespace (issue 18): validation before any call, the repository filter, tags: all past
max_tags, and the run-level max_images guard (pure parts; catalogs are listed against the stand-in in tests/integration)."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import image_requests, importer, policy_expansion, repository_selection
from ansible_collections.acrops.registry.plugins.module_utils.acr_import_task import check_max_images
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.tests.unit.plugins.module_utils.fakes import FakeRegistryClient

DEFAULTS = {"source_credentials": {"registry.example.com": ("bot", "s3cret")}}


def entry(**spec):
    spec.setdefault("source", "registry.example.com/team")
    return repository_selection.validate_entry(0, spec, DEFAULTS, "images[0]")


def test_a_namespace_entry_keeps_host_namespace_filter_and_the_host_credentials():
    validated = entry(repositories={"regex": "api|web.*", "exclude": "web-old"}, tags="all")
    assert (validated.host, validated.namespace, validated.credentials) == ("registry.example.com", "team", ("bot", "s3cret"))
    names = ["team/api", "team/api2", "team/web", "team/web-old", "other/api", "teamx/api"]
    assert repository_selection.select(validated, names) == (["team/api", "team/web"], 2)


def test_a_whole_registry_and_an_acr_namespace():
    whole = entry(source="registry.example.com", repositories={"exclude": "tmp/.*"}, tags=["latest"])
    assert whole.namespace == "" and repository_selection.select(whole, ["a", "tmp/x", "b/c"]) == (["a", "b/c"], 1)
    acr = repository_selection.validate_entry(1, {"source": "/", "source_registry": "devacr", "repositories": {}, "tags": "all"}, {}, "e")
    assert (acr.host, acr.namespace, acr.source_registry, acr.credentials) == (None, "", "devacr", None)


@pytest.mark.parametrize("spec, words", [
    ({"source": "docker.io/library", "tags": "all"}, "Docker Hub serves no repository catalog"),
    ({"source": "index.docker.io/bitnami", "tags": "all"}, "name the repositories"),
    ({"tags": "all", "repositories": {"regex": "(unclosed"}}, "repositories.regex"),
    ({"repositories": {"regex": "api"}}, "say which tags"),
    ({"tags": "all", "targets": ["x"]}, "keeps its path"),
    ({"source": "team/api", "tags": "all"}, "must start with the registry host"),
    ({"tags": "some"}, "tags must be 'all' or a non-empty list"),
    ({"tags": ["ok", "no way"]}, "is not a valid tag"),
    ({"tags": "all", "tag_policy": {"latest": 1}}, "do not go together"),
])
def test_refusals_before_any_call(spec, words):
    spec.setdefault("repositories", {"regex": ".*"})
    with pytest.raises(AcrOpsError) as caught:
        entry(**spec)
    assert words in str(caught.value)


def listing(count):
    return FakeRegistryClient(listings={"library/nginx": ["1.%d" % n for n in range(count)]})


def expand(spec, max_tags=50):
    item = image_requests.validate_image(spec, {}, "images[0]")
    ctx = importer.Context(None, listing(60), None, Redactor([]), True, True, 60)
    return policy_expansion.expand_policies(ctx, [item], max_tags=max_tags)


def test_tags_all_goes_past_max_tags_but_the_entries_own_max_tags_applies():
    out, reports, failures = expand({"source": "docker.io/library/nginx", "tags": "all"})
    assert len(out) == 60 and not failures and reports[0]["policy"] == {"regex": [".*"]}
    dummy, reports, failures = expand({"source": "docker.io/library/nginx", "tags": "all", "max_tags": 59})
    assert failures and "more than max_tags (59)" in reports[0]["msg"]
    dummy, reports, failures = expand({"source": "docker.io/library/nginx", "tag_policy": {"regex": ".*"}})
    assert failures and "more than max_tags (50)" in reports[0]["msg"] and "tags: all" in reports[0]["msg"]
    out, dummy, failures = expand({"source": "docker.io/library/nginx", "tags": ["1.3", "1.99"]})
    assert [str(r.source) for r in out] == ["docker.io/library/nginx:1.3"] and not failures


def test_max_tags_needs_a_tag_selection():
    with pytest.raises(AcrOpsError, match="max_tags caps a tag_policy"):
        image_requests.validate_image({"source": "nginx:1.25", "max_tags": 3}, {}, "images[0]")


def test_max_images_fails_with_the_count_and_how_to_raise_it():
    check_max_images(range(3), 3)
    with pytest.raises(AcrOpsError) as caught:
        check_max_images(range(4), 3)
    assert "selects 4 images, more than max_images (3)" in str(caught.value) and "raise max_images to at least 4" in str(caught.value)


def test_target_prefix_names_each_repository_by_the_rule_and_needs_repositories():
    spec = {"source": "registry.example.com/team", "tags": "all", "target_prefix": "mirror/"}
    assert repository_selection.per_repository_spec(spec, "registry.example.com", "team/api")["targets"] == ["mirror/registry.example.com/team/api"]
    assert repository_selection.per_repository_spec(dict(spec, source="team"), None, "team/api")["targets"] == ["mirror/team/api"]
    assert "targets" not in repository_selection.per_repository_spec({"tags": "all"}, "registry.example.com", "team/api")
    with pytest.raises(AcrOpsError, match="target_prefix goes with repositories"):
        image_requests.validate_batch([{"source": "nginx:1.25", "target_prefix": "mirror/"}], {})


class Answer:
    def __init__(self, status, body, link=None):
        self.status_code, self._body, self.text = status, body, str(body)
        self.headers = {"Link": link} if link else {}

    def json(self):
        return self._body


class CatalogClient:
    """Serves a catalog in pages of two with Link, as distribution and ACR do; records each request."""

    def __init__(self, names, status=200):
        self.names, self.status, self.paths, self.redactor = names, status, [], Redactor([])

    def request(self, method, host, path, scope, credentials=None):
        self.paths.append((method, host, path, scope, credentials))
        if self.status != 200:
            return Answer(self.status, {"errors": [{"code": "UNAUTHORIZED", "message": "authentication required"}]})
        last = path.split("last=")[1].split("&")[0] if "last=" in path else None
        start = self.names.index(last) + 1 if last else 0
        page = self.names[start:start + 2]
        more = start + 2 < len(self.names)
        return Answer(200, {"repositories": page}, '</v2/_catalog?last=%s&n=2>; rel="next"' % page[-1] if more else None)


def test_catalogs_follow_links_count_every_page_and_list_a_registry_once():
    client = CatalogClient(["a", "b", "c", "d", "e"])
    catalogs, budget = repository_selection.Catalogs(client), policy_expansion.RequestBudget(10)
    assert catalogs.repositories("r.example.com", None, budget, acr=False) == ("a", "b", "c", "d", "e")
    assert catalogs.repositories("r.example.com", None, budget, acr=False) == ("a", "b", "c", "d", "e")
    assert [p[2] for p in client.paths] == ["/v2/_catalog?n=1000", "/v2/_catalog?last=b&n=2", "/v2/_catalog?last=d&n=2"]
    assert {p[3] for p in client.paths} == {"registry:catalog:*"} and budget.used == 3
    catalogs.repositories("acr.example.com", None, budget, acr=True)
    assert client.paths[3][2] == "/acr/v1/_catalog?n=1000"
    with pytest.raises(AcrOpsError, match="budget of 10"):
        repository_selection.Catalogs(CatalogClient(list("abcdefghijklmnopqrstuvwxyz"))).repositories("x.example.com", None, budget, False)


def test_a_registry_that_refuses_its_catalog_fails_the_entry_with_no_catalog():
    with pytest.raises(AcrOpsError) as caught:
        repository_selection.Catalogs(CatalogClient([], status=401)).repositories("ghcr.io", None, None, acr=False)
    assert caught.value.code == "NO_CATALOG" and "ghcr.io serves no repository catalog" in str(caught.value)
    assert "name the repositories" in caught.value.hint

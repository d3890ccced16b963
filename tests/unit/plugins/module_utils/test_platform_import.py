# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""platform_import's bookkeeping when a filtered index's copy fails part-way (pure, with fakes): what is reported pushed and
imported is what was, and a web page answering for a registry is named as one."""

from __future__ import annotations

from collections import namedtuple
from types import SimpleNamespace

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import oci, platform_import
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.platform_filter import FilteredIndex

Plan = namedtuple("Plan", "import_tags")
FILTERED = FilteredIndex("sha256:src", ("linux/amd64", "linux/arm64"), (("sha256:amd", "linux/amd64"), ("sha256:arm", "linux/arm64")),
                         oci.OCI_INDEX, b"{}", "sha256:filtered")


class Client:
    """Target data plane: children present by (repository, digest); each push answers the next of `answers` (a digest or an
    exception)."""

    def __init__(self, present=(), answers=()):
        self.present, self.answers, self.pushes = set(present), list(answers), []

    def manifest_digest(self, host, repository, digest):
        return digest if (repository, digest) in self.present else None

    def put_manifest(self, host, repository, tag, media_type, body):
        self.pushes.append("%s:%s" % (repository, tag))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


class Arm:
    """importImage: records each body; fails the call numbered `fail_at` (1-based)."""

    def __init__(self, fail_at=None):
        self.bodies, self.fail_at = [], fail_at

    def import_image(self, target, body, wait, timeout):
        self.bodies.append(body)
        if len(self.bodies) == self.fail_at:
            raise AcrOpsError("Error copying blobs", transient=True)


def ctx(client, arm=None, check_mode=False):
    return SimpleNamespace(registry_client=client, arm=arm or Arm(), target=SimpleNamespace(login_server="t.azurecr.io"),
                           check_mode=check_mode, timeout=60)


REQUEST = SimpleNamespace(import_body=lambda digest, tags, untagged, mode: {"digest": digest, "untagged": list(untagged), "mode": mode})


def test_children_this_run_imported_in_an_earlier_attempt_stay_imported():
    plan = Plan(["a:1", "b:1"])
    client = Client(present=[("a", "sha256:amd"), ("a", "sha256:arm"), ("b", "sha256:amd")])
    actions = [(c["repository"], c["digest"], c["action"]) for c in
               platform_import.children_plan(ctx(client), FILTERED, plan, copied={("a", "sha256:arm")})]
    assert actions == [("a", "sha256:amd", "unchanged"), ("a", "sha256:arm", "imported"),
                       ("b", "sha256:amd", "unchanged"), ("b", "sha256:arm", "imported")]
    predicted = [c["action"] for c in platform_import.children_plan(ctx(client, check_mode=True), FILTERED, plan)]
    assert predicted == ["unchanged", "unchanged", "unchanged", "would_import"]


def test_a_failed_child_import_keeps_the_ones_done_and_a_retry_imports_only_the_rest():
    plan = Plan(["a:1", "b:1"])
    children = platform_import.children_plan(ctx(Client()), FILTERED, plan)
    copied, arm = set(), Arm(fail_at=2)
    with pytest.raises(AcrOpsError):
        platform_import.copy_children(ctx(Client(), arm), REQUEST, children, copied)
    assert copied == {("a", "sha256:amd"), ("b", "sha256:amd")}
    retry = Arm()
    assert platform_import.copy_children(ctx(Client(), retry), REQUEST, children, copied) == 1
    assert retry.bodies == [{"digest": "sha256:arm", "untagged": ["a", "b"], "mode": "NoForce"}]
    assert copied == {(r, d) for r in "ab" for d in ("sha256:amd", "sha256:arm")}


def test_only_pushes_answered_with_the_index_digest_are_reported_pushed():
    pushed = []
    client = Client(answers=["sha256:filtered", "sha256:other"])
    with pytest.raises(AcrOpsError, match="answered the push of the filtered index to b:1 with digest sha256:other, expected sha256:filtered"):
        platform_import.push_index(ctx(client), FILTERED, Plan(["a:1", "b:1", "c:1"]), pushed)
    assert pushed == ["a:1"] and client.pushes == ["a:1", "b:1"]
    refused = []
    with pytest.raises(AcrOpsError):
        platform_import.push_index(ctx(Client(answers=[AcrOpsError("denied")])), FILTERED, Plan(["a:1"]), refused)
    assert refused == []


def test_describe_lists_what_check_mode_would_push_and_a_real_run_nothing_yet():
    plan = Plan(["a:1"])
    assert platform_import.describe(FILTERED, [], plan, True)["would_push"] == ["a:1"]
    real = platform_import.describe(FILTERED, [], plan, False)
    assert real["pushed"] == [] and "would_push" not in real


class Answer:
    def __init__(self, status, text, content_type=None):
        self.status_code, self.text, self.reason = status, text, "Bad Gateway"
        self.headers = {"Content-Type": content_type} if content_type else {}

    def json(self):
        raise ValueError("not JSON")


@pytest.mark.parametrize("answer, text", [
    (Answer(502, "<!DOCTYPE html><html><head><title>502 Bad\n Gateway</title></head><body><h1>x</h1></body></html>"),
     "a web page, not a registry's answer: 502 Bad Gateway"),
    (Answer(403, "<html><body><p>Access <b>denied</b> by policy</p></body></html>", "text/html; charset=utf-8"),
     "a web page, not a registry's answer: Access denied by policy"),
    (Answer(503, "  <HTML></HTML>"), "a web page, not a registry's answer: (no text)"),
    (Answer(500, "upstream <b>timeout</b>"), "upstream <b>timeout</b>"),
    (Answer(500, ""), "Bad Gateway"),
])
def test_error_text_names_a_web_page_by_its_title_or_text(answer, text):
    assert oci.error_text(answer) == text
    assert oci.is_html(answer) is text.startswith("a web page")

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One fake registry client and one fake Resource Manager client for the importer's unit tests (no network).

They answer what the importer, the policy expansion, the source read-ahead and the referrer copy ask a RegistryClient
and an ArmClient, from dicts the test fills, and record every call. Tests of the HTTP level (registry_auth, referrer
discovery) have their own fakes of the transport instead."""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import TagState

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
GATE_HANG_GUARD = 60  # seconds: long enough that no machine is slow enough to open a gate before its test does


def tag_state(digest, locked=False):
    return TagState(digest, locked, None, None)


class FakeRegistryClient:
    """sources: "host/repository:reference" -> digest, None (absent) or an exception (manifest_info raises it).
    tags: (repository, tag) -> TagState of the target ACR. present: (repository, digest) manifests in the target.
    listings: repository -> the source's tags (list_tags; an unknown repository answers 401). index: the document manifest()
    returns (an index), else a plain manifest. platform_choice: what platform_digest() answers. gate: an Event manifest_info
    waits for (the test opens it; GATE_HANG_GUARD only ends a test that never does). Calls are recorded: reads
    (manifest_info), expected (expect), listed (list_tags), calls (the rest)."""

    def __init__(self, sources=None, tags=None, present=(), listings=None, index=None, platform_choice=None, gate=None):
        self.sources = dict(sources or {})
        self.tags = dict(tags or {})
        self.present = set(present)
        self.listings = listings or {}
        self.index = index
        self.platform_choice = platform_choice
        self.gate = gate
        self.target_error = None  # an exception every read of the target raises (a firewall's 403, an unreachable host)
        self.reads, self.expected, self.listed, self.calls = [], [], [], []

    def expect(self, host, repository, credentials=None):
        self.expected.append((host, repository, credentials))

    def manifest_info(self, host, repository, reference, credentials=None):
        if self.gate is not None:
            self.gate.wait(GATE_HANG_GUARD)
        self.reads.append((host, repository, reference, credentials))
        answer = self.sources["%s/%s:%s" % (host, repository, reference)]
        if isinstance(answer, Exception):
            raise answer
        return (answer, OCI_MANIFEST) if answer else None

    def manifest_digest(self, host, repository, reference, credentials=None):
        self.calls.append(("HEAD", host, repository, reference))
        return reference if (repository, reference) in self.present else None

    def manifest(self, host, repository, reference, credentials=None):
        self.calls.append(("GET", host, repository, reference))
        return (reference, OCI_INDEX, self.index) if self.index else (reference, OCI_MANIFEST, {"layers": []})

    def platform_digest(self, host, repository, reference, platform, credentials=None):
        self.calls.append(("PLATFORM", host, repository, reference))
        return self.platform_choice

    def acr_tag(self, login_server, repository, tag):
        self.calls.append(("TAG", login_server, repository, tag))
        if self.target_error is not None:
            raise self.target_error
        return self.tags.get((repository, tag))

    def list_tags(self, host, repository, credentials=None, page_size=1000, budget=None):
        self.listed.append((host, repository, credentials))
        if budget is not None:
            budget.take(host, repository)
        if repository not in self.listings:
            raise AcrOpsError("%s answered 401 Unauthorized for the tags of %s" % (host, repository), code="UNAUTHORIZED")
        return list(self.listings[repository])


class FakeArm:
    """import_image records each body and answers an operation URL, or raises fail[sourceImage] when given."""

    def __init__(self, fail=None, existing=None):
        self.bodies = []
        self.fail = fail or {}
        # Target tags that exist ("repo:tag"), tracked only when given: a NoForce import naming one fails in the service's words.
        self.existing = set(existing) if existing is not None else None

    def import_image(self, target, body, wait, timeout):
        self.bodies.append(body)
        error = self.fail.get(body["source"]["sourceImage"])
        if error:
            raise error
        if self.existing is None:
            return "https://operation/%d" % len(self.bodies)
        clash = [t for t in body.get("targetTags") or [] if t in self.existing]
        if clash and body["mode"] == "NoForce":
            raise AcrOpsError("import into %s failed: Operation registries-1 failed. Resource /subscriptions/x Tag %s already exists in "
                              "target registry." % (target.name, clash[0]), code="InvalidParameters")
        self.existing.update(body.get("targetTags") or [])
        return "https://operation/%d" % len(self.bodies)


class FakeTarget:
    """The target registry as importer.Context holds it."""
    name = "myregistry"
    login_server = "myregistry.azurecr.io"

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Source reads started before Azure is reached (source_prefetch): which sources qualify, that the importer takes the
read-ahead result (errors included) instead of reading again, and that a failed run stops what nobody will take."""

from __future__ import annotations

import threading
import time

from ansible_collections.acrops.registry.plugins.module_utils import image_requests, importer
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.source_prefetch import SourcePrefetch
from ansible_collections.acrops.registry.tests.unit.plugins.module_utils.fakes import GATE_HANG_GUARD, FakeRegistryClient as Registry, FakeTarget as Target

DIGEST = "sha256:" + "1" * 64
OTHER = "sha256:" + "2" * 64
ACR_SUFFIX = "azurecr.io"


def pending(*specs, defaults=None):
    return image_requests.validate_batch([dict(spec) if isinstance(spec, dict) else {"source": spec} for spec in specs], defaults or {})


def test_only_sources_readable_without_azure_are_read_ahead():
    items = pending("nginx:1.25",
                    {"source": "redis:7", "platform": "linux/arm64"},
                    {"source": "mirror/app:1", "source_registry": "devregistry"},
                    {"source": "devregistry.azurecr.io/app:1"},
                    {"source": "devregistry.azurecr.io/app:2", "source_username": "u", "source_password": "p"},
                    {"source": "docker.io/library/nginx", "targets": ["nginx"], "tag_policy": {"latest": 2}},
                    {"source": "alpine:3", "platforms": ["linux/amd64", "linux/arm64"]})
    eligible = [SourcePrefetch.eligible(item, ACR_SUFFIX) for item in items]
    # A platform (or platforms) needs the index after the HEAD, source_registry and a password-less ACR need Resource Manager
    # first, a policy lists tags first; an ACR with a password is an ordinary registry.
    assert eligible == [True, False, False, False, True, False, False]
    assert [SourcePrefetch.eligible(item, "") for item in items][3] is True  # a cloud without ACRs: no host is an ACR


def test_the_importer_takes_the_read_ahead_result_and_does_not_read_again():
    registry = Registry({"registry-1.docker.io/library/nginx:1.25": DIGEST, "registry-1.docker.io/library/redis:7": None})
    items = pending("nginx:1.25", "redis:7", {"source": "nginx:1.25", "targets": ["copy/nginx:1.25"]})  # the same source twice
    prefetch = SourcePrefetch(registry, 4)
    try:
        assert prefetch.start(items, ACR_SUFFIX) == 2
        ctx = importer.Context(None, registry, Target(), Redactor([]), True, True, 60, None, prefetch)
        results = importer.run_batch(ctx, items, concurrency=1)  # the validated requests themselves: one type from end to end
    finally:
        prefetch.close()
    announced = [(host, repository) for host, repository, dummy in registry.expected[:2]]
    assert announced == [("registry-1.docker.io", "library/nginx"), ("registry-1.docker.io", "library/redis")]
    assert sorted(r[1] for r in registry.reads) == ["library/nginx", "library/redis"], "one read per source, shared"
    assert results[0]["source_digest"] == DIGEST and results[0]["targets"][0]["action"] == "would_import"
    assert results[1]["failed"] and results[1]["error_code"] == "MANIFEST_UNKNOWN"  # an absent source, as if read in the batch
    assert results[2]["source_digest"] == DIGEST


def test_a_read_ahead_error_is_the_images_error_and_credentials_are_kept_apart():
    refused = AcrOpsError("registry-1.docker.io refused the credentials", code="UNAUTHORIZED")
    registry = Registry({"registry-1.docker.io/library/nginx:1": refused})
    items = pending({"source": "nginx:1", "source_username": "me", "source_password": "s3cret"})
    prefetch = SourcePrefetch(registry, 2)
    prefetch.start(items, ACR_SUFFIX)
    assert prefetch.take(items[0]._replace(password="other")) is None, "another identity's read is not this one's"
    ctx = importer.Context(None, registry, Target(), Redactor(["s3cret"]), True, True, 60, None, prefetch)
    result = importer.ImageImport(ctx, items[0]).run()
    prefetch.close()
    assert result["failed"] and result["error_code"] == "UNAUTHORIZED"
    assert registry.reads == [("registry-1.docker.io", "library/nginx", "1", ("me", "s3cret"))]


def test_closing_a_failed_run_cancels_reads_nobody_will_take():
    gate = threading.Event()
    registry = Registry(dict(("registry-1.docker.io/library/app%d:1" % i, DIGEST) for i in range(20)), gate=gate)
    items = pending(*["app%d:1" % i for i in range(20)])
    prefetch = SourcePrefetch(registry, 2)
    assert prefetch.start(items, ACR_SUFFIX) == 20
    futures = [prefetch.take(item) for item in items]
    closing = threading.Thread(target=prefetch.close)  # e.g. Entra refused the credentials: the batch never runs
    closing.start()
    # The two running reads wait at the gate; it opens once close() has cancelled the 18 queued ones (counted, not timed:
    # the deadline only ends a run whose close() never cancels them, which then fails below).
    deadline = time.monotonic() + GATE_HANG_GUARD / 2
    while sum(future.cancelled() for future in futures) < 18 and time.monotonic() < deadline:
        closing.join(0.01)
    gate.set()
    closing.join()
    assert sum(future.cancelled() for future in futures) == 18 and len(registry.reads) == 2, "queued reads were not cancelled: %d ran" % len(
        registry.reads)
    assert prefetch.take(items[0]) is None

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The flow of one import (read -> plan -> act -> verify) and of a batch of them.

read:   the source digest (manifest HEAD) and each target's state (ACR tag attributes)
plan:   planner.plan(), pure
act:    one importImage with only the targets that need it, by digest, so what lands is what was planned
verify: re-read the targets; each must hold the planned digest
"""

from __future__ import annotations

import re
import threading
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.acrops.registry.plugins.module_utils import planner
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryUnreachable
from ansible_collections.acrops.registry.plugins.module_utils.retries import backoff, is_transient_import_error

IMPORT_ATTEMPTS = 3
ALREADY_EXISTS = re.compile(r"already exists in target registry")

# One image to import. source: ImageReference (its registry is the source registry's login server when
# source_registry is an ACR); source_acr: arm.Registry or None; tags: ((repository, tag), ...); untagged: (repository, ...)
ImageRequest = namedtuple("ImageRequest", "source source_acr username password tags untagged force label")

# What an import needs that is shared by every image of a run.
Context = namedtuple("Context", "arm registry_client target redactor check_mode wait timeout")


def source_host_for_arm(ref):
    """The registry host ARM's importImage gets as registryUri: a real name, Docker Hub as docker.io."""
    return ref.registry


def import_body(request, source_digest, tags, untagged, mode):
    ref = request.source
    image = "%s@%s" % (ref.repository, source_digest) if source_digest else "%s%s" % (
        ref.repository, "@" + ref.digest if ref.digest else ":" + ref.tag)
    source = {"sourceImage": image}
    if request.source_acr is not None:
        source["resourceId"] = request.source_acr.id
    else:
        source["registryUri"] = source_host_for_arm(ref)
        if request.password:
            source["credentials"] = {"password": request.password}
            if request.username:
                source["credentials"]["username"] = request.username
    body = {"source": source, "mode": mode}
    if tags:
        body["targetTags"] = list(tags)
    if untagged:
        body["untaggedTargetRepositories"] = list(untagged)
    return body


class ImageImport:
    """Runs one ImageRequest against a Context and builds its result dict."""

    def __init__(self, ctx, request):
        self.ctx = ctx
        self.request = request
        self.warnings = []
        self.credentials = (request.username, request.password) if request.password else None
        self.planned = None

    # ---- read ---------------------------------------------------------------------------------------
    def source_digest(self):
        ref = self.request.source
        host = self.request.source_acr.login_server if self.request.source_acr else ref.api_host
        try:
            digest = self.ctx.registry_client.manifest_digest(host, ref.repository, ref.reference, self.credentials)
        except RegistryUnreachable as exc:
            if ref.digest:
                return ref.digest
            self.warnings.append("source %s could not be read from here (%s); deciding on tag existence only" % (ref, exc.message))
            return None
        if digest is None:
            raise AcrOpsError("%s not found in the source registry" % ref, code="MANIFEST_UNKNOWN",
                              hint="check the tag (or digest) and the repository path" + (
                                  "; Docker Hub official images live under library/" if ref.registry == "docker.io" else ""))
        if ref.digest and digest != ref.digest:
            raise AcrOpsError("%s: the registry serves %s for this digest" % (ref, digest))
        return digest

    def states(self):
        client, server = self.ctx.registry_client, self.ctx.target.login_server
        tags = []
        for repository, tag in self.request.tags:
            state = client.acr_tag(server, repository, tag)
            tags.append(planner.TargetState("%s:%s" % (repository, tag), state.digest if state else None, bool(state and state.locked)))
        return tags

    def untagged_states(self, digest):
        states = []
        for repository in self.request.untagged:
            present = None
            if digest:
                present = self.ctx.registry_client.manifest_digest(self.ctx.target.login_server, repository, digest)
            states.append(planner.TargetState(repository, present))
        return states

    # ---- act ----------------------------------------------------------------------------------------
    def run(self):
        started = time.time()
        result = {"source": str(self.request.source), "label": self.request.label, "changed": False, "failed": False}
        try:
            result.update(self._run())
        except AcrOpsError as exc:
            if self.planned is not None:
                # Report what was planned, with the targets that were to change marked failed.
                for target in self.planned["targets"] + self.planned["untagged"]:
                    if target["action"] in planner.CHANGING_ACTIONS:
                        target.update(action=planner.FAILED, after=target["before"])
                result.update(self.planned, changed=False)
            result.update(failed=True, msg=self.ctx.redactor.scrub(str(exc)), error_code=exc.code)
            if exc.operation_url:
                result["operation_url"] = self.ctx.redactor.scrub(exc.operation_url)
        result["warnings"] = [self.ctx.redactor.scrub(w) for w in self.warnings]
        result["elapsed"] = round(time.time() - started, 3)
        return result

    def _run(self):
        digest = self.source_digest()
        for attempt in range(1, IMPORT_ATTEMPTS + 1):
            plan = planner.plan(digest, self.states(), self.untagged_states(digest), self.request.force, self.ctx.check_mode)
            self.warnings.extend(w for w in plan.warnings if w not in self.warnings)
            result = self.planned = self._result(digest, plan)
            if plan.errors:
                result.update(failed=True, msg="refusing to import %s: %s" % (self.request.source, "; ".join(plan.errors)), changed=False)
                return result
            if self.ctx.check_mode or not plan.needs_import:
                return result
            body = import_body(self.request, digest, plan.import_tags, plan.import_untagged, plan.mode)
            try:
                result["operation_url"] = self.ctx.arm.import_image(self.ctx.target, body, self.ctx.wait, self.ctx.timeout)
            except AcrOpsError as exc:
                if attempt < IMPORT_ATTEMPTS and plan.mode == "NoForce" and ALREADY_EXISTS.search(exc.message or ""):
                    # A target tag was written by someone else (another run of the same mirror) between our read and
                    # the import; NoForce kept it. Re-read and re-plan: the report then says what the registry holds.
                    self.warnings.append("a target tag was written by someone else during the import (ACR refused to overwrite it "
                                         "without force); re-read the targets")
                    continue
                if attempt < IMPORT_ATTEMPTS and (exc.transient or is_transient_import_error(exc.message)):
                    self.warnings.append("import attempt %d failed transiently (%s); retrying" % (attempt, exc.message))
                    time.sleep(backoff(attempt, factor=1.0))
                    continue  # re-read and re-plan: part of the import may have landed
                raise
            if not self.ctx.wait:
                result.update(verified=False)
                return result
            return self._verify(result, digest, plan)
        raise AcrOpsError("import of %s kept failing" % self.request.source)  # not reached: the loop returns or raises

    def _verify(self, result, digest, plan):
        """Re-read every target: each changed tag must now hold the digest we imported."""
        after = dict((s.name, s.digest) for s in self.states())
        problems = []
        for target in result["targets"]:
            if target["action"] in planner.CHANGING_ACTIONS:
                target["after"] = after.get(target["name"])
                if digest and target["after"] != digest:
                    problems.append("%s holds %s after the import, expected %s" % (target["name"], target["after"], digest))
        result["verified"] = not problems
        if problems:
            result.update(failed=True, msg="import of %s did not land as planned: %s" % (self.request.source, "; ".join(problems)))
        if digest and not self.request.source.digest:
            # We imported the digest we planned; say so if the source tag moved meanwhile.
            ref = self.request.source
            now = self.ctx.registry_client.manifest_digest(self.request.source_acr.login_server if self.request.source_acr else ref.api_host,
                                                           ref.repository, ref.tag, self.credentials)
            if now and now != digest:
                self.warnings.append("source %s moved to %s during the import; imported %s as planned, the next run will follow"
                                     % (ref, now, digest))
        return result

    def _result(self, digest, plan):
        def entry(t):
            return {"name": t.name, "before": t.before, "after": t.after, "action": t.action}
        return {
            "source_digest": digest,
            "targets": [entry(t) for t in plan.tags],
            "untagged": [entry(t) for t in plan.untagged],
            "import_mode": plan.mode,
            "changed": plan.changed,
        }


def announce(ctx, requests):
    """Tell the registry client every repository the batch will read, so that its token requests cover many at once."""
    client, server = ctx.registry_client, ctx.target.login_server
    for request in requests:
        ref = request.source
        credentials = (request.username, request.password) if request.password else None
        client.expect(request.source_acr.login_server if request.source_acr else ref.api_host, ref.repository, credentials)
        for repository in sorted(set([repository for repository, dummy in request.tags] + list(request.untagged))):
            client.expect(server, repository)


def run_batch(ctx, requests, concurrency=8, keep_going=True):
    """Import many images with bounded concurrency; results come back in request order."""
    stop = threading.Event()
    announce(ctx, requests)

    def one(request):
        if stop.is_set():
            return {"source": str(request.source), "label": request.label, "changed": False, "failed": True, "skipped": True,
                    "msg": "not attempted: an earlier image failed and keep_going is false", "warnings": []}
        result = ImageImport(ctx, request).run()
        if result.get("failed") and not keep_going:
            stop.set()
        return result

    if concurrency <= 1 or len(requests) <= 1:
        return [one(r) for r in requests]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(requests))) as pool:
        return list(pool.map(one, requests))


def count(results):
    """Per-action counts over a batch, for summaries."""
    counts = dict((k, 0) for k in (planner.IMPORTED, planner.OVERWRITTEN, planner.UNCHANGED, planner.DRIFTED,
                                   planner.WOULD_IMPORT, planner.WOULD_OVERWRITE))
    counts.update(failed=0, images=len(results), changed_images=0)
    for result in results:
        if result.get("failed"):
            counts["failed"] += 1
        if result.get("changed") and not result.get("failed"):
            counts["changed_images"] += 1
        for target in result.get("targets", []) + result.get("untagged", []):
            if target["action"] in counts and not result.get("failed"):
                counts[target["action"]] += 1
    return counts

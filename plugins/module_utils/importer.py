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

from ansible_collections.acrops.registry.plugins.module_utils import image_requests, planner, tag_policy
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryUnreachable
from ansible_collections.acrops.registry.plugins.module_utils.retries import backoff, is_transient_import_error

IMPORT_ATTEMPTS = 3
ALREADY_EXISTS = re.compile(r"already exists in target registry")

# One image to import. source: ImageReference (its registry is the source registry's login server when
# source_registry is an ACR); source_acr: arm.Registry or None; tags: ((repository, tag), ...); untagged: (repository, ...).
# policy: a tag_policy.TagPolicy (source has no tag; expand_policies() turns it into one request per selected tag, importing
# into each of repositories); platform: 'os/arch[/variant]' to import one child of an index; selected_by: the label of the
# policy entry that selected this tag.
ImageRequest = namedtuple("ImageRequest", "source source_acr username password tags untagged force label policy repositories platform selected_by")
ImageRequest.__new__.__defaults__ = (None, (), None, None)

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
        self.index_digest = None   # with platform: the digest of the index the child was picked from
        self.chosen_platform = None

    # ---- read ---------------------------------------------------------------------------------------
    def source_host(self):
        return self.request.source_acr.login_server if self.request.source_acr else self.request.source.api_host

    def source_digest(self):
        ref = self.request.source
        host = self.source_host()
        try:
            if self.request.platform:
                return self._platform_digest(host, ref)
            digest = self.ctx.registry_client.manifest_digest(host, ref.repository, ref.reference, self.credentials)
        except RegistryUnreachable as exc:
            if ref.digest and not self.request.platform:
                return ref.digest
            if self.request.platform:
                raise AcrOpsError("source %s could not be read from here (%s): platform %s needs the source's index to pick the "
                                  "child manifest" % (ref, exc.message, self.request.platform),
                                  hint="drop platform, or run where the source is reachable") from None
            self.warnings.append("source %s could not be read from here (%s); deciding on tag existence only" % (ref, exc.message))
            return None
        return self._checked(ref, digest)

    def _platform_digest(self, host, ref):
        """The child manifest of the source's index for the requested platform: what is imported and compared."""
        choice = self.ctx.registry_client.platform_digest(host, ref.repository, ref.reference, self.request.platform, self.credentials)
        self._checked(ref, choice.index_digest or choice.digest if choice else None)
        if choice.index_digest is None:
            self.warnings.append("source %s is a single manifest, not an index: imported as it is, its platform was not checked "
                                 "against %s" % (ref, self.request.platform))
        self.index_digest, self.chosen_platform = choice.index_digest, choice.platform
        return choice.digest

    def _checked(self, ref, digest):
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
        if self.request.selected_by:
            result["selected_by"] = self.request.selected_by
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
            # We imported the digest we planned; say so if the source tag moved meanwhile (for a platform: if its index moved).
            ref = self.request.source
            now = self.ctx.registry_client.manifest_digest(self.source_host(), ref.repository, ref.tag, self.credentials)
            if now and now != (self.index_digest or digest):
                self.warnings.append("source %s moved to %s during the import; imported %s as planned, the next run will follow"
                                     % (ref, now, digest))
        return result

    def _result(self, digest, plan):
        def entry(t):
            return {"name": t.name, "before": t.before, "after": t.after, "action": t.action}
        result = {
            "source_digest": digest,
            "targets": [entry(t) for t in plan.tags],
            "untagged": [entry(t) for t in plan.untagged],
            "import_mode": plan.mode,
            "changed": plan.changed,
        }
        if self.request.platform:
            result.update(platform=self.chosen_platform or self.request.platform, source_index_digest=self.index_digest)
        if self.request.selected_by:
            result["selected_by"] = self.request.selected_by
        return result


# ---- tag policies ----------------------------------------------------------------------------------------------
def expand_policy(ctx, request, max_tags, budget):
    """List the source's tags and apply the request's policy -> (concrete ImageRequests, policy report dict)."""
    ref = request.source
    host = request.source_acr.login_server if request.source_acr else ref.api_host
    credentials = (request.username, request.password) if request.password else None
    report = {"label": request.label, "source": str(ref), "policy": request.policy.describe(), "targets": list(request.repositories),
              "platform": request.platform, "listed": None, "selected": [], "notes": [], "warnings": [], "failed": False}
    try:
        tags = ctx.registry_client.list_tags(host, ref.repository, credentials, budget=budget)
    except AcrOpsError as exc:
        report.update(failed=True, msg=ctx.redactor.scrub("listing the tags of %s failed: %s" % (ref, exc)), error_code=exc.code)
        return [], report
    selection = tag_policy.select(request.policy, tags)
    report.update(listed=selection.listed, selected=list(selection.selected), notes=list(selection.notes))
    if len(selection.selected) > max_tags:
        report.update(failed=True, error_code="TOO_MANY_TAGS",
                      msg="the tag policy of %s selects %d tags, more than max_tags (%d): narrow the policy (regex, semver, latest) or "
                          "raise max_tags; first selected: %s" % (request.label, len(selection.selected), max_tags,
                                                                  ", ".join(selection.selected[:10])))
        return [], report
    if not selection.selected:
        report["warnings"].append("the tag policy of %s selected no tag of %s: %s" % (request.label, ref, tag_policy.explain_empty(request.policy, selection)))
        return [], report
    expanded = []
    for tag in selection.selected:
        expanded.append(request._replace(source=ref.with_tag(tag), tags=tuple((repository, tag) for repository in request.repositories),
                                         policy=None, repositories=(), selected_by=request.label))
    return expanded, report


def policy_failure(report):
    """A failed policy as a batch result, so that counts, the summary and the module's failure include it."""
    return {"source": report["source"], "label": report["label"], "changed": False, "failed": True, "msg": report["msg"],
            "error_code": report.get("error_code"), "targets": [], "untagged": [], "warnings": [], "policy": report["policy"]}


def expand_policies(ctx, requests, max_tags, budget=None, concurrency=8):
    """Replace every request that has a tag policy by one request per selected tag, in place of the entry.

    Returns (requests, policy reports, failure results). A selected image that another entry already mirrors to the same
    target from the same source (and platform) is not imported twice; a target fed by two different sources is an error."""
    policy_requests = [r for r in requests if r.policy is not None]
    if not policy_requests:
        return list(requests), [], []
    workers = max(1, min(concurrency, len(policy_requests)))
    if workers == 1:
        expansions = [expand_policy(ctx, r, max_tags, budget) for r in policy_requests]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            expansions = list(pool.map(lambda r: expand_policy(ctx, r, max_tags, budget), policy_requests))
    by_request = dict(zip((id(r) for r in policy_requests), expansions))
    owned = {}
    for request in requests:
        if request.policy is None:
            for repository, tag in request.tags:
                owned["%s:%s" % (repository, tag)] = (str(request.source), request.platform)
    out, reports, failures = [], [], []
    for request in requests:
        if request.policy is None:
            out.append(request)
            continue
        expanded, report = by_request[id(request)]
        reports.append(report)
        if report["failed"]:
            failures.append(policy_failure(report))
        for item in expanded:
            origin = (str(item.source), item.platform)
            tags = tuple(t for t in item.tags if owned.get("%s:%s" % t) != origin)
            if not tags:
                continue  # listed by another entry too: mirrored once
            for repository, tag in tags:
                owned.setdefault("%s:%s" % (repository, tag), origin)
            out.append(item._replace(tags=tags))
    image_requests.check_targets(out)
    return out, reports, failures


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

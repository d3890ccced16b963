# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The flow of one import (read -> plan -> act -> verify) and of a batch of them.

read:   the source digest (manifest HEAD) and each target's state (ACR tag attributes)
plan:   planner.plan(), pure
act:    one importImage with only the targets that need it, by digest, so what lands is what was planned
verify: re-read the targets; each must hold the planned digest
A transient import failure repeats the whole of it (retries.retry_operation). With referrers, referrer_import.py then copies
what refers to the image.
"""

from __future__ import annotations

import re
import threading
import time
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.acrops.registry.plugins.module_utils import planner, referrer_import
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryUnreachable
from ansible_collections.acrops.registry.plugins.module_utils.retries import TRANSIENT_SERVICE_CODES, retry_operation, transient_wait

ALREADY_EXISTS = re.compile(r"already exists in target registry")

# What an import needs that is shared by every image of a run. discover: the run's referrer discovery
# (referrer_import.RunDiscovery, shared so that a host without the referrers API is asked once), or None for one per image.
# prefetch: a source_prefetch.SourcePrefetch whose source reads started before Azure was reached, or None.
# unreadable_source: what to do when the source's digest cannot be read (module option unreadable_source): "fail" the
# image, "keep" existing tags (plan on tag existence), or "reimport" them with Force.
Context = namedtuple("Context", "arm registry_client target redactor check_mode wait timeout discover prefetch unreadable_source")
Context.__new__.__defaults__ = (None, None, "fail")


class ImageImport:
    """Runs one image_requests.ImageRequest against a Context and builds its result dict."""

    def __init__(self, ctx, request):
        self.ctx = ctx
        self.request = request
        self.warnings = []
        self.planned = None
        self.index_digest = None   # with platform: the digest of the index the child was picked from
        self.chosen_platform = None
        self.media_type = None     # with referrers (and no platform): the source manifest's media type, from its HEAD
        self.landed = set()        # targets an importImage of this image completed for: whatever fails later, they changed

    # ---- read ---------------------------------------------------------------------------------------
    def source_digest(self):
        ref = self.request.source
        host = self.request.source_host
        try:
            if self.request.platform:
                return self._platform_digest(host, ref)
            # The media type matters with referrers: those of an index are looked for on its children too.
            ahead = self.ctx.prefetch.take(self.request) if self.ctx.prefetch else None
            info = ahead.result() if ahead else self.ctx.registry_client.manifest_info(host, ref.repository, ref.reference, self.request.credentials)
            digest, self.media_type = info if info else (None, None)
        except RegistryUnreachable as exc:
            # The transport retried already (retries.urllib3_retry). Planning without the digest is a choice the user makes
            # (unreadable_source), never a silent fallback: it cannot tell a current tag from a moved one.
            if ref.digest and not self.request.platform:
                return ref.digest
            if self.request.platform:
                raise AcrOpsError("source %s could not be read from here (%s): platform %s needs the source's index to pick the "
                                  "child manifest" % (ref, exc.message, self.request.platform), code="SOURCE_UNREADABLE",
                                  hint="drop platform, or run where the source is reachable") from None
            if self.ctx.unreadable_source not in ("keep", "reimport"):
                raise AcrOpsError("source %s could not be read, so its digest cannot be compared with the targets (%s)" % (ref, exc.message),
                                  code="SOURCE_UNREADABLE",
                                  hint="run again when the source answers; if only ACR can reach it, set unreadable_source: keep (existing "
                                       "tags are kept, absent ones imported) or reimport (existing tags are re-imported with Force)") from None
            self.warnings.append("source %s could not be read from here (%s); deciding on tag existence only (unreadable_source: %s)"
                                 % (ref, exc.message, self.ctx.unreadable_source))
            return None
        return self._checked(ref, digest)

    def _platform_digest(self, host, ref):
        """The child manifest of the source's index for the requested platform: what is imported and compared."""
        choice = self.ctx.registry_client.platform_digest(host, ref.repository, ref.reference, self.request.platform, self.request.credentials)
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
        except Exception as exc:  # pylint: disable=broad-exception-caught  # one image's failure, whatever it is, is that image's
            if isinstance(exc, AcrOpsError):
                code, msg = exc.code, str(exc)
            else:
                code, msg = "INTERNAL", "unexpected error (a bug, please report it) with %s: %s: %s" % (self.request.source, exc.__class__.__name__, exc)
            if self.planned is not None:
                # Report what was planned, with the targets that were to change and did not land marked failed.
                for target in self.planned["targets"] + self.planned["untagged"]:
                    if target["action"] in planner.CHANGING_ACTIONS and target["name"] not in self.landed:
                        target.update(action=planner.FAILED, after=target["before"])
                result.update(self.planned, changed=bool(self.landed))
            result.update(failed=True, msg=self.ctx.redactor.scrub(msg), error_code=code)
            if getattr(exc, "operation_url", None):
                result["operation_url"] = self.ctx.redactor.scrub(exc.operation_url)
        result["warnings"] = [self.ctx.redactor.scrub(w) for w in self.warnings]
        result["elapsed"] = round(time.time() - started, 3)
        return result

    def _run(self):
        digest = self.source_digest()
        result = self._run_subject(digest)
        if self.request.referrers and not result.get("failed") and (self.ctx.wait or self.ctx.check_mode):
            discover = self.ctx.discover or referrer_import.RunDiscovery(self.ctx.registry_client)
            referrer_import.ReferrerImport(self.ctx, self.request, discover, self.warnings).follow(result, digest, self.media_type)
        elif self.request.referrers and not result.get("failed"):
            result["referrers"] = []
            self.warnings.append("referrers were not copied: with wait=false the image is not known to be in place; run again with "
                                 "wait=true to copy its signatures and attestations")
        return result

    def _run_subject(self, digest):
        """Read the targets, plan, import what the plan needs, verify; the whole of it again when the import fails transiently
        (part of it may have landed) or because someone wrote a target tag meanwhile (the report then says what is there)."""
        importing = []  # (plan, its changing targets) of the attempt whose importImage is running: only that call's failures are retried
        submitted = {}  # target name -> its entry in the first attempt whose import may have landed (before = the state then)
        # Without the source digest, only unreadable_source: reimport overwrites existing tags; force alone does not.
        force = self.request.force if digest else self.ctx.unreadable_source == "reimport"

        def attempt(number):
            del importing[:]
            plan = planner.plan(digest, self.states(), self.untagged_states(digest), force, self.ctx.check_mode)
            self.warnings.extend(w for w in plan.warnings if w not in self.warnings)
            result = self.planned = self._result(digest, plan)
            self._credit_earlier_attempt(result, submitted, digest)
            if plan.errors:
                result.update(failed=True, msg="refusing to import %s: %s" % (self.request.source, "; ".join(plan.errors)), changed=False)
                return result
            if self.ctx.check_mode or not plan.needs_import:
                return result
            body = self.request.import_body(digest, plan.import_tags, plan.import_untagged, plan.mode)
            changing = [dict(t) for t in result["targets"] + result["untagged"] if t["action"] in planner.CHANGING_ACTIONS]
            importing.append((plan, changing))
            result["operation_url"] = self.ctx.arm.import_image(self.ctx.target, body, self.ctx.wait, self.ctx.timeout)
            self.landed.update(t["name"] for t in changing)
            del importing[:]
            if not self.ctx.wait:
                result.update(verified=False)
                return result
            return self._verify(result, digest, plan)

        def retry_wait(exc, number):
            if not importing:
                return None  # a read failed: its calls were retried already
            plan, changing = importing[0]
            if exc.operation_url and (exc.code is None or exc.code in TRANSIENT_SERVICE_CODES):
                # The service accepted the import and its answer was lost (no verdict on the operation): it may have landed.
                for target in changing:
                    submitted.setdefault(target["name"], target)
            if plan.mode == "NoForce" and ALREADY_EXISTS.search(exc.message or ""):
                # A target tag was written by someone else (another run of the same mirror) between our read and the
                # import; NoForce kept it. Re-read and re-plan at once.
                self.warnings.append("a target tag was written by someone else during the import (ACR refused to overwrite it "
                                     "without force); re-read the targets")
                return 0
            wait = transient_wait(exc, number)
            if wait is not None:
                self.warnings.append("import attempt %d failed transiently (%s); retrying" % (number, exc.message))
            return wait

        return retry_operation(attempt, retry_wait)

    def _credit_earlier_attempt(self, result, submitted, digest):
        """A retry that finds in place what an earlier attempt imported (its answer was lost, the import completed): that
        attempt's action and before, not "unchanged"."""
        landed = False
        for target in result["targets"] + result["untagged"]:
            earlier = submitted.get(target["name"])
            if digest and earlier and target["action"] == planner.UNCHANGED and target["after"] == digest:
                target.update(action=earlier["action"], before=earlier["before"])
                self.landed.add(target["name"])
                landed = True
        if landed:
            result.update(changed=True, verified=True)
            self.warnings.append("an earlier import attempt of %s completed although its answer was lost; found in place" % self.request.source)

    def _verify(self, result, digest, plan):
        """Re-read every target: each changed tag must now hold the digest we imported, each untagged copy must be in its
        repository (a HEAD by digest). The import completed: a failed re-read leaves it reported as done, unverified, with a
        warning."""
        try:
            after = dict((s.name, s.digest) for s in self.states())
            if any(t["action"] in planner.CHANGING_ACTIONS for t in result["untagged"]):
                after.update((s.name, s.digest) for s in self.untagged_states(digest))
        except AcrOpsError as exc:
            result["verified"] = False
            self.warnings.append("the import of %s completed but could not be verified: re-reading the targets failed (%s)"
                                 % (self.request.source, exc))
            return result
        problems = []
        for target in result["targets"] + result["untagged"]:
            if target["action"] in planner.CHANGING_ACTIONS:
                target["after"] = after.get(target["name"])
                if digest and target["after"] != digest:
                    problems.append("%s holds %s after the import, expected %s" % (target["name"], target["after"], digest))
        result["verified"] = not problems and digest is not None  # without the source digest nothing could be compared
        if problems:
            result.update(failed=True, msg="import of %s did not land as planned: %s" % (self.request.source, "; ".join(problems)))
        if digest and not self.request.source.digest:
            # We imported the digest we planned; say so if the source tag moved meanwhile (for a platform: if its index moved).
            ref = self.request.source
            try:
                now = self.ctx.registry_client.manifest_digest(self.request.source_host, ref.repository, ref.tag, self.request.credentials)
            except AcrOpsError as exc:  # advisory only: never fails an import that completed
                self.warnings.append("whether source %s moved during the import could not be checked (%s)" % (ref, exc))
                now = None
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


def announce(ctx, requests):
    """Tell the registry client every repository the batch will read, so that its token requests cover many at once."""
    client, server = ctx.registry_client, ctx.target.login_server
    for request in requests:
        client.expect(request.source_host, request.source.repository, request.credentials)
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
    return referrer_import.count(results, counts)

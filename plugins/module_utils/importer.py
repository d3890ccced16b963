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

from ansible_collections.acrops.registry.plugins.module_utils import (
    oci, planner, platform_import, referrer_import, source_quota, tag_backups, tag_locks)
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryUnreachable
from ansible_collections.acrops.registry.plugins.module_utils.retries import DEFAULT_POLICY, TRANSIENT_SERVICE_CODES
from ansible_collections.acrops.registry.plugins.module_utils.target_reads import network_refusal

ALREADY_EXISTS = re.compile(r"already exists in target registry")
EXISTING_TAG = re.compile(r"Tag (\S+) already exists in target registry")

# What an import needs that is shared by every image of a run. discover: the run's referrer discovery
# (referrer_import.RunDiscovery, shared so that a host without the referrers API is asked once), or None for one per image.
# prefetch: a source_prefetch.SourcePrefetch whose source reads started before Azure was reached, or None.
# unreadable_source: what to do when the source's digest cannot be read (module option unreadable_source): "fail" the
# image, "keep" existing tags (plan on tag existence), or "reimport" them with Force.
# target_reads: a target_reads.TargetReads (whether the target's data plane is read), or None: always read it.
# retry_policy: the run's retries.RetryPolicy (options retries, retry_max_wait), for whole operations. quota: a
# source_quota.SourceQuota that may defer an import (Docker Hub pull quota), or None.
Context = namedtuple("Context", "arm registry_client target redactor check_mode wait timeout discover prefetch unreadable_source target_reads "
                                "retry_policy quota")
Context.__new__.__defaults__ = (None, None, "fail", None, DEFAULT_POLICY, None)
DEFERRED = "deferred"  # a target whose import did not fit the source's pull quota: left as it was, for a later run
WOULD_DEFER = "would_defer"  # the same, predicted by check mode


class ImageImport:
    """Runs one image_requests.ImageRequest against a Context and builds its result dict."""

    def __init__(self, ctx, request):
        self.ctx = ctx
        self.request = request
        self.warnings = []
        self.planned = None
        self.index_digest = None   # with platform: the digest of the index the child was picked from (with platforms: the source's)
        self.filtered = None       # with platforms, when the source's index holds others too: the platform_filter.FilteredIndex to push
        self.counted = False       # the source's manifests were counted against ACR's per-import limit already
        self.chosen_platform = None
        self.media_type = None     # with referrers (and no platform): the source manifest's media type, from its HEAD
        self.landed = set()        # targets an importImage of this image completed for: whatever fails later, they changed
        self.children_copied = set()  # with a filtered index: (repository, digest) of the children this run imported, any attempt
        self.quota_asked = False   # the source quota was asked about this image (once, whatever the retries)

    # ---- read ---------------------------------------------------------------------------------------
    def source_digest(self):
        ref = self.request.source
        host = self.request.source_host
        try:
            if self.request.platform:
                return self._platform_digest(host, ref)
            if self.request.platforms:
                return self._platforms_digest(ref)
            # The media type matters with referrers: those of an index are looked for on its children too.
            ahead = self.ctx.prefetch.take(self.request) if self.ctx.prefetch else None
            info = ahead.result() if ahead else self.ctx.registry_client.manifest_info(host, ref.repository, ref.reference, self.request.credentials)
            digest, self.media_type = info if info else (None, None)
        except AcrOpsError as exc:
            refused = network_refusal(exc)
            if refused is None or (self.request.source_acr is None and not isinstance(exc, RegistryUnreachable)):
                raise
            # The transport retried already (retries.urllib3_retry). Planning without the digest is a choice the user makes
            # (unreadable_source), never a silent fallback: it cannot tell a current tag from a moved one. A source ACR
            # behind its own network rules is the exception: ACR's import reaches it (by resource ID, trusted services
            # allowed) where the controller cannot, so it is planned on tag existence by itself, and said so.
            if ref.digest and not self.request.reads_index:
                return ref.digest
            if self.request.source_acr is not None and not isinstance(exc, RegistryUnreachable) and not self.request.reads_index:
                self.warnings.append(
                    "source registry %s %s: its digest is not compared; existing target tags are kept (exists_unverified), absent "
                    "ones imported by resource ID, which needs the source to allow trusted Azure services (networkRuleBypassOptions: "
                    "AzureServices)" % (self.request.source_acr.name, refused))
                return None
            if self.request.reads_index:
                raise AcrOpsError("source %s could not be read from here (%s): platform %s needs the source's index to pick the "
                                  "child manifest" % (ref, exc.message, self.request.platform or ", ".join(self.request.platforms)),
                                  code="SOURCE_UNREADABLE", hint="drop platform(s), or run where the source is reachable") from None
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

    def _platforms_digest(self, ref):
        """With platforms: the source index's digest when it is imported whole, else the filtered index's (what the targets hold)."""
        read = platform_import.read_source(self.ctx.registry_client, self.request)
        if read is None:
            return self._checked(ref, None)
        digest, self.media_type, self.filtered = read
        self.counted = True
        if self.filtered is None:
            return self._checked(ref, digest)
        self._checked(ref, self.filtered.source_digest)
        self.index_digest = self.filtered.source_digest
        self.warnings.append(platform_import.SIGNATURE_WARNING % (self.filtered.digest, ", ".join(p for d, p in self.filtered.children),
                                                                  self.filtered.source_digest))
        return digest

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
                result.update(self.planned, changed=bool(self.landed or self.children_copied))
            result.update(failed=True, msg=self.ctx.redactor.scrub(msg), error_code=code)
            if getattr(exc, "operation_url", None):
                result["operation_url"] = self.ctx.redactor.scrub(exc.operation_url)
        result["warnings"] = [self.ctx.redactor.scrub(w) for w in self.warnings]
        result["elapsed"] = round(time.time() - started, 3)
        return result

    def _run(self):
        digest = self.source_digest()
        result = self._run_subject(digest)
        if self.request.lock and not result.get("failed"):
            if self._unread():
                self.warnings.append("the target tags were not locked: the target registry's data plane is not read in this run (%s)"
                                     % self.ctx.target_reads.reason)
            else:
                tag_locks.lock_targets(self.ctx, self.request, result, self.warnings)
        if self.request.referrers and self._unread():
            result["referrers"] = []
            self.warnings.append("referrers were not copied: the target registry's data plane is not read in this run (%s)"
                                 % self.ctx.target_reads.reason)
        elif self.request.referrers and result.get("deferred"):
            result["referrers"] = []  # deferred with their subject: looked for by the run that imports it
        elif self.request.referrers and not result.get("failed") and (self.ctx.wait or self.ctx.check_mode):
            discover = self.ctx.discover or referrer_import.RunDiscovery(self.ctx.registry_client)
            subjects = [d for d, dummy in self.filtered.children] if self.filtered is not None else None
            referrer_import.ReferrerImport(self.ctx, self.request, discover, self.warnings).follow(result, digest, self.media_type, subjects)
        elif self.request.referrers and not result.get("failed"):
            result["referrers"] = []
            self.warnings.append("referrers were not copied: with wait=false the image is not known to be in place; run again with "
                                 "wait=true to copy its signatures and attestations")
        return result

    def _unread(self):
        return self.ctx.target_reads is not None and self.ctx.target_reads.unread

    def _first_states(self, digest):
        """The targets' states, or None when the target's data plane refuses this machine and target_reads is auto."""
        if self._unread():
            return None
        try:
            return self.states(), self.untagged_states(digest)
        except AcrOpsError as exc:
            if self.ctx.target_reads is not None and self.ctx.target_reads.switch(exc):
                return None
            raise

    def _run_subject(self, digest):
        """Read the targets, plan, import what the plan needs, verify; the whole of it again when the import fails transiently
        (part of it may have landed) or because someone wrote a target tag meanwhile (the report then says what is there)."""
        first = self._first_states(digest)
        if first is None and self.filtered is not None:
            raise AcrOpsError("%s: platforms needs the target registry's data plane to push the filtered index, and it is not read in "
                              "this run (%s)" % (self.request.source, self.ctx.target_reads.reason), code="TARGET_UNREAD",
                              hint="run where the target's data plane answers, or drop platforms to import whole indexes")
        if first is None:
            return self._run_unread(digest)
        initial = [first]
        importing = []  # (plan, its changing targets) of the attempt whose importImage is running: only that call's failures are retried
        submitted = {}  # target name -> its entry in the first attempt whose import may have landed (before = the state then)
        # Without the source digest, only unreadable_source: reimport overwrites existing tags; force alone does not.
        force = self.request.force if digest else self.ctx.unreadable_source == "reimport"

        def attempt(number):
            del importing[:]
            tag_states, untagged_states = initial.pop() if initial else (self.states(), self.untagged_states(digest))
            plan = planner.plan(digest, tag_states, untagged_states, force, self.ctx.check_mode)
            self.warnings.extend(w for w in plan.warnings if w not in self.warnings)
            result = self.planned = self._result(digest, plan)
            self._credit_earlier_attempt(result, submitted, digest)
            if plan.errors:
                result.update(failed=True, msg="refusing to import %s: %s" % (self.request.source, "; ".join(plan.errors)), changed=False)
                return result
            if plan.needs_import:
                self._count_before_submit(digest)
            if self.request.backup:
                tag_backups.back_up(self.ctx, self.request, result)
            if self.filtered is not None:
                return self._filtered_attempt(result, plan, importing)
            if not plan.needs_import:
                return result
            # Before check mode returns: it predicts the run's deferrals from the same free HEADs, spending nothing.
            deferred_until = self._quota_defer(digest)
            if deferred_until:
                return self._deferred(result, deferred_until, self.ctx.check_mode)
            if self.ctx.check_mode:
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
            wait = self.ctx.retry_policy.transient_wait(exc, number)
            if wait is not None:
                self.warnings.append("import attempt %d failed transiently (%s); retrying" % (number, exc.message))
            return wait

        return self.ctx.retry_policy.retry_operation(attempt, retry_wait)

    def _quota_defer(self, digest, pulls=None):
        """The source quota's verdict on this image's import (None: submit it), asked once per image whatever the retries."""
        if self.ctx.quota is None or self.quota_asked:
            return None
        self.quota_asked = True
        if not self.ctx.quota.watches(self.request):
            return None
        return self.ctx.quota.defer(self.request, self._pulls(digest) if pulls is None else pulls)

    def _pulls(self, digest):
        """The Docker Hub pulls this import costs (source_quota.pulls_of_index): one for a single manifest or a platform's
        child, one per architecture for a whole index, read from the index (a GET that pulls no architecture)."""
        if self.request.platform or self.media_type not in oci.INDEX_TYPES:
            return 1
        fetched = self.ctx.registry_client.manifest(self.request.source_host, self.request.source.repository, digest, self.request.credentials)
        return source_quota.pulls_of_index(fetched[2]) if fetched else 1

    def _count_before_submit(self, digest):
        """ACR refuses an import of more than 50 manifests (an index and its children): count them from the source's index
        first (one GET, only for an index about to be imported) and fail the image with the count, not the service."""
        if self.counted or not digest or self.request.platform or self.filtered is not None:
            return
        if self.media_type is None or self.media_type in oci.INDEX_TYPES:
            platform_import.check_whole_index(self.ctx.registry_client, self.request, digest)
        self.counted = True

    def _filtered_attempt(self, result, plan, importing):
        """platforms with a filtered index: the missing children imported by digest (untagged) into the repositories of the tags
        that change, then the index pushed under those tags, then verified like an import."""
        children = platform_import.children_plan(self.ctx, self.filtered, plan, self.children_copied)
        result["filtered_index"] = platform_import.describe(self.filtered, children, plan, self.ctx.check_mode)
        if any(c["action"] != platform_import.CHILD_UNCHANGED for c in children):
            result["changed"] = True
        if not plan.needs_import:
            return result
        # One pull per child imported: the pushed index is the controller's own write, not a pull from the source.
        deferred_until = self._quota_defer(self.filtered.source_digest, sum(1 for c in children if c["action"] != platform_import.CHILD_UNCHANGED) or 1)
        if deferred_until:
            return self._deferred(result, deferred_until, self.ctx.check_mode)
        if self.ctx.check_mode:
            return result
        changing = [dict(t) for t in result["targets"] if t["action"] in planner.CHANGING_ACTIONS]
        importing.append((plan, changing))
        platform_import.copy_children(self.ctx, self.request, children, self.children_copied)
        platform_import.push_index(self.ctx, self.filtered, plan, result["filtered_index"]["pushed"])
        self.landed.update(t["name"] for t in changing)
        del importing[:]
        return self._verify(result, self.filtered.digest, plan)

    @staticmethod
    def _deferred(result, until, check_mode=False):
        """Not submitted: the source's pull quota for these credentials is spent for this run. Nothing changed; the targets that
        were to change say so (would_defer in check mode), and when the quota's window resets at the latest."""
        for target in result["targets"] + result["untagged"]:
            if target["action"] in planner.CHANGING_ACTIONS:
                target.update(action=WOULD_DEFER if check_mode else DEFERRED, after=target["before"])
        result.update(deferred=True, deferred_until=until, changed=False)
        return result

    def _run_unread(self, digest):
        """Plan and import without reading the target (planner.plan_unread): NoForce, each tag the service says exists
        reported exists_unverified and left out of the next attempt; Force with force. Nothing is verified."""
        reason = self.ctx.target_reads.reason
        force = self.request.force if digest else self.ctx.unreadable_source == "reimport"
        names = ["%s:%s" % pair for pair in self.request.tags]
        plan = planner.plan_unread(names, list(self.request.untagged), digest, force, self.ctx.check_mode, reason)
        result = self.planned = self._result(digest, plan)
        result["verified"] = False
        if plan.tags or plan.untagged:
            self._count_before_submit(digest)
        if self.ctx.check_mode or plan.mode is None:
            return result
        if plan.mode == "Force":
            self.warnings.append("imported with Force without comparing digests (%s)" % reason)
        while plan.mode is not None:
            tags, untagged = plan.import_tags, tuple(t.name for t in plan.untagged)
            body = self.request.import_body(digest, tags, untagged, plan.mode)
            try:
                result["operation_url"] = self.ctx.retry_policy.retry_operation(
                    lambda number: self.ctx.arm.import_image(self.ctx.target, body, self.ctx.wait, self.ctx.timeout))
            except AcrOpsError as exc:
                named = EXISTING_TAG.search(exc.message or "") if plan.mode == "NoForce" else None
                marked = planner.mark_existing(plan, self._tag_name(named.group(1), tags)) if named else None
                if marked is None and plan.mode == "NoForce" and ALREADY_EXISTS.search(exc.message or "") and len(tags) == 1:
                    marked = planner.mark_existing(plan, tags[0])
                if marked is None:
                    raise
                plan = marked
                self._replace_entries(result, plan)
                continue
            self.landed.update(tags)
            break
        self._replace_entries(result, plan)
        result["changed"] = bool(self.landed)
        return result

    @staticmethod
    def _tag_name(named, tags):
        """The target the service named ("repo:tag", or the repository alone for latest) among those imported."""
        return named if named in tags or ":" in named else named + ":latest"

    def _replace_entries(self, result, plan):
        result["targets"] = [self._entry(t) for t in plan.tags]
        result["untagged"] = [self._entry(t) for t in plan.untagged]
        result["import_mode"] = plan.mode
        result["changed"] = bool(self.landed) or plan.changed

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

    def _entry(self, t):
        entry = {"name": t.name, "before": t.before, "after": t.after, "action": t.action}
        if t.reason and self._unread():
            entry["reason"] = t.reason  # planned without reading the target: each entry says what could not be known
        return entry

    def _result(self, digest, plan):
        result = {
            "source_digest": digest,
            "targets": [self._entry(t) for t in plan.tags],
            "untagged": [self._entry(t) for t in plan.untagged],
            "import_mode": plan.mode,
            "changed": plan.changed,
        }
        if self.request.platform:
            result.update(platform=self.chosen_platform or self.request.platform, source_index_digest=self.index_digest)
        if self.filtered is not None:
            result["source_digest"] = self.filtered.source_digest  # the targets hold filtered_index.digest (planned as after)
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


def run_batch(ctx, requests, concurrency=8, keep_going=True, progress=None):
    """Import many images with bounded concurrency; results come back in request order. progress (a progress.Progress, or
    None) is told when each image starts and ends."""
    stop = threading.Event()
    announce(ctx, requests)

    def one(request):
        if progress is not None:
            progress.started(str(request.source))
        began = time.monotonic()
        if stop.is_set():
            result = {"source": str(request.source), "label": request.label, "changed": False, "failed": True, "skipped": True,
                      "msg": "not attempted: an earlier image failed and keep_going is false", "warnings": []}
        else:
            result = ImageImport(ctx, request).run()
        if result.get("failed") and not keep_going:
            stop.set()
        if progress is not None:
            progress.finished(str(request.source), result, time.monotonic() - began)
        return result

    if concurrency <= 1 or len(requests) <= 1:
        return [one(r) for r in requests]
    pool = ThreadPoolExecutor(max_workers=min(concurrency, len(requests)))
    try:
        results = list(pool.map(one, requests))
    except BaseException:
        # A stopped run (Ansible's task timeout arrives here as an exception): queued images never start, and nobody waits
        # for the running ones, which end once the run is abandoned (running_imports.abandon_all()).
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def count(results):
    """Per-action counts over a batch, for summaries."""
    counts = dict((k, 0) for k in (planner.IMPORTED, planner.OVERWRITTEN, planner.UNCHANGED, planner.DRIFTED,
                                   planner.WOULD_IMPORT, planner.WOULD_OVERWRITE, planner.EXISTS_UNVERIFIED, planner.UNKNOWN))
    counts.update(failed=0, images=len(results), changed_images=0)
    if any(result.get("deferred") for result in results):
        counts[DEFERRED] = counts[WOULD_DEFER] = 0  # targets, like the other actions; only when some were (or would be) deferred
    for result in results:
        if result.get("failed"):
            counts["failed"] += 1
        if result.get("changed") and not result.get("failed"):
            counts["changed_images"] += 1
        for target in result.get("targets", []) + result.get("untagged", []):
            if target["action"] in counts and not result.get("failed"):
                counts[target["action"]] += 1
    return referrer_import.count(results, counts)

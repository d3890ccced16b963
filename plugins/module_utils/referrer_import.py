# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Signatures, SBOMs and attestations that follow an image: its referrers, found on the source (referrers.py) and copied
server-side, by digest, into every repository the image landed in.

A referrer found by the OCI referrers API or the tag schema is imported manifest-only (untaggedTargetRepositories, NoForce):
its subject link survives and ACR's referrers API lists it. A cosign sidecar is imported under its tag (cosign finds it by
tag) following the image's rules: an absent tag is created (NoForce); a tag that holds another digest (a signature the
organisation added to its mirror, or an older one) is drifted without force and overwritten (Force) with it. Referrers of
referrers (depth 2) are copied after those they refer to, and not at all where that one failed. Each copy is retried like
the image's own import (retries.retry_operation).
"""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import oci, referrers, source_quota
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

# Referrer actions in results.
REFERRER_IMPORTED = "imported"
REFERRER_UNCHANGED = "unchanged"
REFERRER_WOULD_IMPORT = "would_import"
REFERRER_FAILED = "failed"
REFERRER_DRIFTED = "drifted"   # a cosign tag holding another digest, left alone without force
REFERRER_ACTIONS = (REFERRER_IMPORTED, REFERRER_UNCHANGED, REFERRER_WOULD_IMPORT, REFERRER_FAILED, REFERRER_DRIFTED)
# Not submitted: the source's pull quota (source_quota.py) does not cover it in this run; counted only when it happens.
REFERRER_DEFERRED = "deferred"
REFERRER_WOULD_DEFER = "would_defer"


class RunDiscovery:
    """The run's referrer discovery, shared by its images: a host found without the referrers API is asked once per run.

    Called as discover(request, subjects) -> [referrers.Referrer] for the request's source repository."""

    def __init__(self, registry_client):
        self.client = registry_client
        self.no_api_hosts = set()

    def __call__(self, request, subjects):
        discovery = referrers.ReferrerDiscovery(self.client, request.credentials, request.referrers_types)
        discovery.no_api_hosts = self.no_api_hosts
        return discovery.discover(request.source_host, request.source.repository, subjects)


def target_repositories(request):
    """Every repository the image lands in (tags' and untagged), in order, once each: its referrers go into each."""
    out = []
    for repository in [repository for repository, dummy in request.tags] + list(request.untagged):
        if repository not in out:
            out.append(repository)
    return out


class ReferrerImport:
    """Copies the referrers of one imported image (ctx: importer.Context; request: image_requests.ImageRequest).

    discover(request, subjects) -> referrers found on the source (a RunDiscovery, or a fake in tests); warnings: the image's
    list, which retry notes are added to."""

    def __init__(self, ctx, request, discover, warnings):
        self.ctx = ctx
        self.request = request
        self.discover = discover
        self.warnings = warnings

    def subjects(self, digest, media_type):
        """The digests whose referrers follow the image: the imported manifest and, for a whole index, its children.

        With platform, the child that was imported (the index's referrers are not about it). An index is fetched once (one
        GET, by digest); a plain manifest (media_type from the source's HEAD) costs nothing more."""
        if self.request.platform or (media_type is not None and media_type not in oci.INDEX_TYPES):
            return [digest]
        fetched = self.ctx.registry_client.manifest(self.request.source_host, self.request.source.repository, digest, self.request.credentials)
        if fetched is None:
            raise AcrOpsError("%s@%s disappeared from the source while its referrers were looked for; run again"
                              % (self.request.source.repository, digest), transient=True)
        if oci.is_index(fetched[1], fetched[2]):
            return [digest] + [d for d in oci.index_children(fetched[2]) if d != digest]
        return [digest]

    def follow(self, result, digest, media_type, subjects=None):
        """Discover the subject's referrers on the source and copy the missing ones into every target repository by digest.

        Sets result["referrers"] (one entry per referrer and target repository) and marks the image failed when discovery or
        a copy failed; result["changed"] becomes true when a referrer was (or, in check mode, would be) imported. subjects: the
        digests whose referrers follow, when not the image's own (a filtered index: its children)."""
        result["referrers"] = []
        if digest is None:
            result.update(failed=True, msg="referrers of %s cannot be copied: the source could not be read from here, so they cannot "
                                           "be discovered" % self.request.source)
            return
        try:
            found = self.discover(self.request, subjects if subjects is not None else self.subjects(digest, media_type))
        except AcrOpsError as exc:
            result.update(failed=True, error_code=exc.code,
                          msg="discovering the referrers of %s@%s on the source failed: %s" % (self.request.source, digest, exc))
            return
        repositories = target_repositories(self.request)
        failed_digests = {}   # repository -> digests whose copy failed there: what refers to them is not attempted
        problems = []
        for depth in sorted(set(r.depth for r in found)):
            for referrer in [r for r in found if r.depth == depth]:
                entries = self._copy(referrer, repositories, failed_digests)
                for entry in entries:
                    if entry["action"] == REFERRER_FAILED:
                        failed_digests.setdefault(entry["repository"], set()).add(referrer.digest)
                        problems.append("%s into %s: %s" % (referrer.digest, entry["repository"], entry["msg"]))
                result["referrers"].extend(entries)
        if any(e["action"] in (REFERRER_IMPORTED, REFERRER_WOULD_IMPORT) for e in result["referrers"]):
            result["changed"] = True
        until = [e["deferred_until"] for e in result["referrers"] if e.get("deferred_until")]
        if until:
            result["referrers_deferred_until"] = max(until)
        if problems:
            result.update(failed=True, error_code="REFERRER_FAILED",
                          msg="%s was imported but %d of its referrers could not be copied: %s" % (
                              self.request.source, len(problems), "; ".join(problems[:5])))

    def _quota_defer(self, referrer):
        """The source quota's verdict on one referrer's import (None: submit it): a signature or attestation is a manifest,
        one pull; an index referrer costs one per architecture (source_quota.pulls_of_index)."""
        quota = self.ctx.quota
        if quota is None or not quota.watches(self.request):
            return None
        pulls = 1
        if referrer.media_type in oci.INDEX_TYPES:
            fetched = self.ctx.registry_client.manifest(self.request.source_host, self.request.source.repository, referrer.digest,
                                                        self.request.credentials)
            pulls = source_quota.pulls_of_index(fetched[2]) if fetched else 1
        return quota.defer(self.request, pulls)

    def _entry(self, referrer, repository, action, msg=None):
        entry = {"digest": referrer.digest, "artifact_type": referrer.artifact_type, "media_type": referrer.media_type,
                 "found_by": referrer.found, "subject": referrer.subject, "depth": referrer.depth, "repository": repository,
                 "action": action}
        if referrer.tag:
            entry["tag"] = referrer.tag
        if msg:
            entry["msg"] = self.ctx.redactor.scrub(msg)
        return entry

    def _present(self, referrer, repository):
        """(the entry for a repository that needs no copy (already there, a locked or drifted tag in the way) else None,
        whether the copy overwrites a tag)."""
        client, server = self.ctx.registry_client, self.ctx.target.login_server
        if referrer.tag:
            state = client.acr_tag(server, repository, referrer.tag)
            if state is None or state.digest is None:
                return None, False
            if state.digest == referrer.digest:
                return self._entry(referrer, repository, REFERRER_UNCHANGED), False
            if not self.request.force:
                msg = "the target tag %s:%s holds %s, the source's is %s; set force to overwrite" % (
                    repository, referrer.tag, state.digest, referrer.digest)
                self.warnings.append("%s: %s" % (self.request.source, msg))
                return self._entry(referrer, repository, REFERRER_DRIFTED, msg), False
            if state.locked:
                return self._entry(referrer, repository, REFERRER_FAILED, "the target tag %s:%s is locked (writeEnabled=false) and holds %s"
                                   % (repository, referrer.tag, state.digest)), False
            return None, True
        if client.manifest_digest(server, repository, referrer.digest) == referrer.digest:
            return self._entry(referrer, repository, REFERRER_UNCHANGED), False
        return None, False

    def _copy(self, referrer, repositories, failed_digests):
        """One referrer into every target repository: presence checks, then one import for the repositories that lack it."""
        entries, missing, overwriting = {}, [], False
        for repository in repositories:
            if referrer.subject in failed_digests.get(repository, ()):
                entries[repository] = self._entry(referrer, repository, REFERRER_FAILED,
                                                  "not attempted: the referrer it refers to (%s) failed" % referrer.subject)
                continue
            try:
                entry, overwrites = self._present(referrer, repository)
            except AcrOpsError as exc:
                entry, overwrites = self._entry(referrer, repository, REFERRER_FAILED, "reading the target failed: %s" % exc), False
            overwriting = overwriting or overwrites
            if entry is not None:
                entries[repository] = entry
            else:
                missing.append(repository)
        until = self._quota_defer(referrer) if missing else None
        if until:
            for repository in missing:
                entries[repository] = self._entry(referrer, repository, REFERRER_WOULD_DEFER if self.ctx.check_mode else REFERRER_DEFERRED)
                entries[repository]["deferred_until"] = until
        elif missing and self.ctx.check_mode:
            entries.update((r, self._entry(referrer, r, REFERRER_WOULD_IMPORT)) for r in missing)
        elif missing:
            if referrer.tag:
                body = self.request.import_body(referrer.digest, ["%s:%s" % (r, referrer.tag) for r in missing], (),
                                                "Force" if overwriting else "NoForce")
            else:
                body = self.request.import_body(referrer.digest, (), missing, "NoForce")
            try:
                self._submit(body, "referrer %s of %s" % (referrer.digest, self.request.source))
            except AcrOpsError as exc:
                entries.update((r, self._entry(referrer, r, REFERRER_FAILED, str(exc))) for r in missing)
            else:
                entries.update((r, self._entry(referrer, r, REFERRER_IMPORTED)) for r in missing)
        return [entries[r] for r in repositories]

    def _submit(self, body, what):
        """One importImage through Resource Manager, retried like the image's own import when it fails transiently."""
        def retry_wait(exc, attempt):
            wait = self.ctx.retry_policy.transient_wait(exc, attempt)
            if wait is not None:
                self.warnings.append("import of %s, attempt %d failed transiently (%s); retrying" % (what, attempt, exc.message))
            return wait

        return self.ctx.retry_policy.retry_operation(
            lambda attempt: self.ctx.arm.import_image(self.ctx.target, body, self.ctx.wait, self.ctx.timeout), retry_wait)


def count(results, counts):
    """Add referrer action counts (referrers_imported, ...) of a batch's results to counts (only when some image had referrers)."""
    for result in results:
        if "referrers" not in result:
            continue
        for action in REFERRER_ACTIONS:
            counts.setdefault("referrers_" + action, 0)
        for entry in result["referrers"]:
            counts["referrers_" + entry["action"]] = counts.get("referrers_" + entry["action"], 0) + 1
    return counts

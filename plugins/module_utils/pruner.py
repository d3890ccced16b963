# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's `prune`: after the batch, delete the target tags a tag policy owns but no longer selects (prune_plan.py).

Safety rails, in order: a failed policy, wait=false (imports not verified), a failed import in a repository (that repository),
a target whose tags cannot be listed (said once), an empty selection: nothing is pruned. An entry that would delete more
than max_deletes fails before any delete. Check mode lists what would go and deletes nothing.
"""

from __future__ import annotations

import time

from ansible_collections.acrops.registry.plugins.module_utils import acr_tag_client, planner, prune_plan, tag_backups
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError


def _targeted(results):
    """repository -> tags some image of this run writes (a listed entry's tag is never pruned by a policy that left it out)."""
    targeted = {}
    for result in results:
        for target in result.get("targets") or []:
            repository, tag = target["name"].rsplit(":", 1)
            targeted.setdefault(repository, set()).add(tag)
    return targeted


def _new_backups(results):
    """repository -> {backup tag: digest} that check mode predicts this run would create (tag_backups.back_up)."""
    new = {}
    for result in results:
        for target in result.get("targets") or []:
            backup = target.get("backup") or {}
            if backup.get("action") == planner.WOULD_IMPORT:
                repository, tag = backup["name"].rsplit(":", 1)
                new.setdefault(repository, {})[tag] = backup["digest"]
    return new


def _failed_repositories(results):
    """Repositories a failed image of this run writes to: nothing is pruned there."""
    failed = set()
    for result in results:
        if result.get("failed"):
            failed.update(target["name"].rsplit(":", 1)[0] for target in result.get("targets") or [])
    return failed


def prune_policies(ctx, policy_requests, reports, results, max_deletes, grace_seconds=86400, backup_keep=3):
    """policy_requests: the batch's requests with a tag policy, in the order of their reports (policy_expansion.expand_policies).
    Each report of a pruning entry gains `prune` (and the warning that the target cannot be listed, once per run).
    Returns (failure results, {deleted or would-be-deleted 'repo:tag' or 'repo@digest': digest})."""
    failures, deleted = [], {}
    reads = getattr(ctx, "target_reads", None)
    if reads is not None and reads.unread and any(r.prune or r.prune_untagged for r in policy_requests):
        # target_reads (issue 16): this run does not read the target's data plane, so it cannot know what to prune.
        first = True
        for request, report in zip(policy_requests, reports):
            if request.prune or request.prune_untagged:
                report["prune"] = {"mode": None, "untagged": bool(request.prune_untagged), "deleted": [], "locked": [],
                                   "skipped": ["%s: %s" % (r, reads.reason) for r in request.repositories]}
                if first:
                    report["warnings"].append("no pruning: %s" % reads.reason)
                    first = False
        return failures, deleted
    failed_repositories = _failed_repositories(results)
    targeted = _targeted(results)
    new_backups = _new_backups(results) if ctx.check_mode else {}
    unreadable = []
    for request, report in zip(policy_requests, reports):
        if not request.prune and not request.prune_untagged:
            continue
        outcome = {"mode": "repository" if request.prune == prune_plan.REPOSITORY else "filters" if request.prune else None,
                   "untagged": bool(request.prune_untagged), "deleted": [], "locked": [], "skipped": []}
        report["prune"] = outcome
        own_failed = any(r.get("failed") and r.get("selected_by") == request.label for r in results)
        reason = ("the policy failed" if report.get("failed") else "wait is false: the imports are not verified"
                  if not ctx.wait and not ctx.check_mode else "an import of this entry failed" if own_failed
                  else "the policy selected no tag" if not report.get("selected") else None)
        if reason:
            outcome["skipped"] = ["%s: %s" % (repository, reason) for repository in request.repositories]
            continue
        plans, untagged = [], []
        for repository in request.repositories:
            if repository in failed_repositories:
                outcome["skipped"].append("%s: an import into it failed in this run" % repository)
                continue
            try:
                plan, manifests = _plans(ctx, request, report, repository, grace_seconds, targeted.get(repository, set()), backup_keep,
                                         new_backups.get(repository))
            except AcrOpsError as exc:
                outcome["skipped"].append("%s: its tags or manifests could not be read" % repository)
                if not unreadable:
                    report["warnings"].append("no pruning: the target's tags or manifests could not be read (%s)" % ctx.redactor.scrub(str(exc)))
                unreadable.append(repository)
                continue
            plans.append(plan)
            if manifests is not None:
                untagged.append(manifests)
        outcome["locked"] = ["%s:%s" % (p.repository, t) for p in plans for t in p.locked] + [
            "%s@%s" % (p.repository, d) for p in untagged for d in p.locked]
        limit = prune_plan.over_limit(plans, max_deletes, request.label, untagged)
        if limit:
            report.update(failed=True, msg=limit, error_code="TOO_MANY_DELETES")
            failures.append(_failure(request, report))
            continue
        work = [(p.repository, "%s:%s" % (p.repository, t), digest, acr_tag_client.delete_tag, t) for p in plans for t, digest in p.delete]
        work += [(p.repository, "%s@%s" % (p.repository, d), d, acr_tag_client.delete_manifest, d) for p in untagged for d in p.delete]
        for repository, name, digest, delete, reference in work:
            if not ctx.check_mode:
                try:
                    delete(ctx.registry_client, ctx.target.login_server, repository, reference)
                except AcrOpsError as exc:
                    report.update(failed=True, msg=ctx.redactor.scrub("pruning %s stopped at %s: %s" % (request.label, name, exc)),
                                  error_code=exc.code)
                    failures.append(_failure(request, report))
                    break
            outcome["deleted"].append(name)
            deleted[name] = digest
    return failures, deleted


def _plans(ctx, request, report, repository, grace_seconds, targeted, backup_keep, new_backups=None):
    """(tag PrunePlan, UntaggedPlan or None) of one target repository; reads its tags and, for prune_untagged, its manifests.
    targeted: the tags of the repository that images of this run write: kept like the selection; new_backups: the backup tags
    check mode predicts (prune_plan.plan_repository)."""
    client, server = ctx.registry_client, ctx.target.login_server
    plan = prune_plan.PrunePlan(repository, [], [])
    if request.prune:
        existing = acr_tag_client.list_tags(client, server, repository)
        backups = tag_backups.pattern(request.backup) if request.backup else None
        plan = prune_plan.plan_repository(repository, request.policy, request.prune, report["selected"], existing, targeted, backups,
                                          backup_keep, new_backups)
    if not request.prune_untagged:
        return plan, None
    subjects = {}

    def subject(digest):
        if digest not in subjects:
            subjects[digest] = acr_tag_client.subject_of(client, server, repository, digest)
        return subjects[digest]

    manifests = acr_tag_client.list_manifests(client, server, repository)
    return plan, prune_plan.plan_untagged(repository, manifests, [t for t, dummy in plan.delete], subject, time.time(), grace_seconds)


def _failure(request, report):
    return {"source": report["source"], "label": request.label, "changed": False, "failed": True, "msg": report["msg"],
            "error_code": report.get("error_code"), "targets": [], "untagged": [], "warnings": [], "policy": report["policy"]}

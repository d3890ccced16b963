# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tag policies become concrete images: list the source's tags (within a RequestBudget), select (tag_policy.select), one
ImageRequest per tag.

Runs before the batch (importer.run_batch), so that a policy's images are planned, imported and reported like any other.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.acrops.registry.plugins.module_utils import image_requests, reference, tag_policy
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, show


class RequestBudget:
    """How many requests a run may spend on something (listing tags): shared by the threads of a batch."""

    def __init__(self, limit, what="tag-list requests", option="tag_list_budget"):
        self.limit = limit
        self.used = 0
        self.what = what
        self.option = option
        self._lock = threading.Lock()

    def take(self, host, repository):
        """Count one request, or refuse it when the budget is spent."""
        with self._lock:
            if self.limit is not None and self.used >= self.limit:
                raise AcrOpsError("the budget of %d %s for this run is spent; %s/%s was not listed (completely)"
                                  % (self.limit, self.what, host, repository), code="BUDGET_EXHAUSTED",
                                  hint="raise %s, or narrow the policies (fewer repositories to list)" % self.option)
            self.used += 1

    def add(self, count):
        """Count requests already made (retries the session made on its own)."""
        if count:
            with self._lock:
                self.used += count


def expand_policy(ctx, request, max_tags, budget):
    """List the source's tags and apply the request's policy -> (concrete ImageRequests, policy report dict)."""
    ref = request.source
    report = {"label": request.label, "source": str(ref), "policy": request.policy.describe(), "targets": list(request.repositories),
              "platform": request.platform, "platforms": list(request.platforms) if request.platforms else None, "listed": None, "selected": [],
              "notes": [], "warnings": [], "failed": False}
    try:
        tags = ctx.registry_client.list_tags(request.source_host, ref.repository, request.credentials, budget=budget)
    except AcrOpsError as exc:
        report.update(failed=True, msg=ctx.redactor.scrub("listing the tags of %s failed: %s" % (ref, exc)), error_code=exc.code)
        return [], report
    tags, refused = valid_tags(ref, tags)
    selection = tag_policy.select(request.policy, tags)
    report.update(listed=selection.listed + len(refused), selected=list(selection.selected), notes=list(selection.notes))
    if refused:
        report["notes"].append("%d listed tag(s) are not valid tags (the reference grammar refuses them) and were skipped: %s"
                               % (len(refused), ", ".join(show(t) for t in refused[:5]) + (", ..." if len(refused) > 5 else "")))
    # An entry's own max_tags rules; tags: all (all_tags) is the explicit way past the module's.
    limit = request.max_tags if request.max_tags is not None else (None if request.all_tags else max_tags)
    if limit is not None and len(selection.selected) > limit:
        report.update(failed=True, error_code="TOO_MANY_TAGS",
                      msg="the tag policy of %s selects %d tags, more than max_tags (%d): narrow the policy (regex, semver, latest), "
                          "raise max_tags, or write tags: all; first selected: %s" % (request.label, len(selection.selected), limit,
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


def guarded_expansion(ctx, request, max_tags, budget):
    """expand_policy, with a bug in one policy reported as that policy's failure (INTERNAL) instead of ending the run."""
    try:
        return expand_policy(ctx, request, max_tags, budget)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        msg = "unexpected error (a bug, please report it) expanding the tag policy of %s: %s: %s" % (request.label, exc.__class__.__name__, exc)
        return [], {"label": request.label, "source": str(request.source), "policy": request.policy.describe(), "targets": list(request.repositories),
                    "platform": request.platform, "platforms": list(request.platforms) if request.platforms else None, "listed": None, "selected": [],
                    "notes": [], "warnings": [], "failed": True,
                    "msg": ctx.redactor.scrub(msg), "error_code": "INTERNAL"}


def valid_tags(ref, tags):
    """(tags the reference grammar accepts, the others): a registry's list is not trusted to hold only valid tags."""
    valid, refused = [], []
    for tag in tags:
        try:
            ref.with_tag(tag)
        except (reference.InvalidReferenceError, TypeError, ValueError):
            refused.append(tag if isinstance(tag, str) else repr(tag))
        else:
            valid.append(tag)
    return valid, refused


def policy_failure(report):
    """A failed policy as a batch result, so that counts, the summary and the module's failure include it."""
    return {"source": report["source"], "label": report["label"], "changed": False, "failed": True, "msg": report["msg"],
            "error_code": report.get("error_code"), "targets": [], "untagged": [], "warnings": [], "policy": report["policy"]}


def expand_policies(ctx, requests, max_tags, budget=None, concurrency=8, listed=None):
    """Replace every request that has a tag policy by one request per selected tag, in place of the entry. listed (or None)
    is called once per policy whose listing ended (progress.ListingProgress.finished).

    Returns (requests, policy reports, failure results). A selected image that another entry already mirrors to the same
    target from the same source (and platform) is not imported twice; a target fed by two different sources is an error."""
    policy_requests = [r for r in requests if r.policy is not None]
    if not policy_requests:
        return list(requests), [], []
    workers = max(1, min(concurrency, len(policy_requests)))

    def expansion(request):
        expanded = guarded_expansion(ctx, request, max_tags, budget)
        if listed is not None:
            listed(request)
        return expanded

    if workers == 1:
        expansions = [expansion(r) for r in policy_requests]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            expansions = list(pool.map(expansion, policy_requests))
    by_request = dict(zip((id(r) for r in policy_requests), expansions))
    owned = {}
    for request in requests:
        if request.policy is None:
            for repository, tag in request.tags:
                owned["%s:%s" % (repository, tag)] = request.origin
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
            origin = item.origin
            tags = tuple(t for t in item.tags if owned.get("%s:%s" % t) != origin)
            if not tags:
                continue  # listed by another entry too: mirrored once
            for repository, tag in tags:
                owned.setdefault("%s:%s" % (repository, tag), origin)
            out.append(item._replace(tags=tags))
    image_requests.check_targets(out)
    return out, reports, failures

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""untagged: all on an entry whose source is an ACR: every untagged manifest of each source repository, from the source's
/acr/v1/{repo}/_manifests listing (paged, every page counted in the run's RequestBudget), becomes one request that copies it
by digest into the entry's target repositories (untaggedTargetRepositories), so that a migration keeps the digests
deployments pin. Planned, imported, verified (a HEAD by digest in the target) and predicted like any image: one already in
the target repository is unchanged.

Left out, because they come along with something else, so that each manifest is imported once and check mode stays exact:
the children of an index listed in the repository (an import copies an index with its children), and, with referrers, every
manifest whose OCI subject is listed in the repository and whose artifact type the entry's referrers_types allows (referrer
import copies it after its subject)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.acrops.registry.plugins.module_utils import acr_tag_client, image_requests, reference
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError


def check_sources(items, catalog_entries, acr_suffix):
    """Refuse untagged: all on a source that is not an ACR of this cloud, once the cloud's ACR suffix is known and before any
    registry call. items: validated ImageRequests; catalog_entries: repository_selection.CatalogEntry values."""
    for item in items:
        if item.untagged_all and not item.source_registry and not image_requests.is_entra_acr_source(item, acr_suffix):
            raise AcrOpsError(refusal(item.label, item.source.registry, acr_suffix))
    for entry in catalog_entries:
        if entry.spec.get("untagged") is not None and not entry.source_registry and not (
                acr_suffix and entry.host.lower().endswith("." + acr_suffix)):
            raise AcrOpsError(refusal(entry.label, entry.host, acr_suffix))


def refusal(label, host, acr_suffix):
    return ("%s: untagged: all needs an Azure Container Registry source (it lists /acr/v1/{repo}/_manifests with the run's Azure "
            "identity); %s is not one%s: drop untagged, or name the ACR with source_registry" % (
                label, host, " (this cloud's registries end in .%s)" % acr_suffix if acr_suffix else ""))


def artifact_type(document):
    """A manifest's artifact type as the referrers API reports it: artifactType, else its config's media type."""
    return document.get("artifactType") or (document.get("config") or {}).get("mediaType")


def untagged_digests(client, request, budget):
    """(digests to copy, how many manifests the repository lists) for one request of an ACR source repository."""
    host, repository = request.source_host, request.source.repository
    # A digest the reference grammar refuses cannot be imported: not trusted from a listing (never an exception later on).
    listed = [m for m in acr_tag_client.list_manifests(client, host, repository, limit=None, budget=budget) if reference.is_digest(m["digest"])]
    digests = set(m["digest"] for m in listed)
    children = set(ref.get("digest") for m in listed for ref in m.get("references") or [] if isinstance(ref, dict))
    wanted = [m["digest"] for m in listed if not m.get("tags") and m["digest"] not in children]
    if request.referrers:
        kept = []
        for digest in wanted:
            fetched = client.manifest(host, repository, digest)
            document = fetched[2] if fetched else {}
            subject = document.get("subject") if isinstance(document.get("subject"), dict) else {}
            if subject.get("digest") in digests and (not request.referrers_types or artifact_type(document) in request.referrers_types):
                continue  # a referrer of a manifest of this repository: copied after it by referrer import
            kept.append(digest)
        wanted = kept
    return wanted, len(listed)


def copies(request, digests):
    """One request per untagged manifest: the source by digest, copied without tag into the entry's target repositories."""
    return [request._replace(source=request.source.with_tag(None).with_digest(digest), tags=(), untagged=request.repositories, policy=None,
                             repositories=(), selected_by=request.label, label="%s untagged %s" % (request.label, digest[:19]),
                             force=False, max_tags=None, all_tags=False, lock=False, prune=False, prune_untagged=False, backup=None,
                             untagged_all=False)
            for digest in digests]


def expand(ctx, requests, budget, concurrency=8):
    """The untagged copies of every request with untagged_all -> (requests, reports, failure results). A listing that fails is
    that entry's failure, not the run's. A manifest that two entries copy into the same repositories is copied once."""
    wanting = [r for r in requests if r.untagged_all]
    if not wanting:
        return [], [], []

    def one(request):
        if request.source_acr is None:
            return AcrOpsError("%s is not a registry of this subscription that Resource Manager knows: its manifests cannot be listed; "
                               "name it by resource ID in source_registry" % request.source.registry, code="NOT_AN_ACR")
        try:
            return untagged_digests(ctx.registry_client, request, budget)
        except AcrOpsError as exc:
            return exc

    workers = max(1, min(concurrency, len(wanting)))
    if workers == 1:
        outcomes = [one(r) for r in wanting]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            outcomes = list(pool.map(one, wanting))
    out, reports, failures, seen = [], [], [], set()
    for request, outcome in zip(wanting, outcomes):
        report = {"label": request.label, "source": request.source.name, "targets": list(request.repositories), "failed": False}
        if isinstance(outcome, AcrOpsError):
            msg = ctx.redactor.scrub("listing the untagged manifests of %s failed: %s" % (request.source.name, outcome))
            report.update(failed=True, msg=msg, error_code=outcome.code)
            failures.append({"source": request.source.name, "label": request.label, "changed": False, "failed": True, "msg": msg,
                             "error_code": outcome.code, "targets": [], "untagged": [], "warnings": []})
        else:
            digests, listed = outcome
            fresh = [d for d in digests if (request.source_host, request.source.repository, d, request.repositories) not in seen]
            seen.update((request.source_host, request.source.repository, d, request.repositories) for d in fresh)
            report.update(listed=listed, untagged=len(digests))
            out.extend(copies(request, fresh))
        reports.append(report)
    return out, reports, failures


def report_lines(reports):
    """One line per repository that has untagged manifests to copy (most have none: no line for those)."""
    return ["Untagged manifests of %s: %d of the %d manifests it lists (index children and followed referrers come with their image)"
            % (r["source"], r["untagged"], r["listed"]) for r in reports if not r["failed"] and r["untagged"]]

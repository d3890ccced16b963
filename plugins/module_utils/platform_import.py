# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""acr_import's `platforms`: reading the source's index, and for a filtered index (platform_filter.py) the copy of its children
(server-side importImage by digest, untagged, into each target repository) and the push of the index itself under the target
tags (a few KB from the controller, on the target's data plane, after its children are in place).

Also the check of ACR's manifests-per-import limit before a whole index is submitted.
"""

from __future__ import annotations

from ansible_collections.acrops.registry.plugins.module_utils import oci, platform_filter
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

CHILD_UNCHANGED = "unchanged"
CHILD_WOULD_IMPORT = "would_import"
CHILD_IMPORTED = "imported"
SIGNATURE_WARNING = ("the target tags hold a filtered index (%s) that lists only %s, not the source's index (%s): signatures and "
                     "attestations made over the source index do not verify against them; those over each platform's image do "
                     "(referrers: true copies them)")


def read_source(client, request):
    """What to plan with for an image with platforms: (digest the targets must hold, source media type, FilteredIndex or None).

    None when the source reference does not exist. One HEAD, then one GET of the index by that digest (Docker Hub counts it
    against the pull limit), or of a single manifest and its config (its platform is checked)."""
    ref, host, credentials = request.source, request.source_host, request.credentials
    where = "%s/%s:%s" % (host, ref.repository, ref.reference) if not ref.digest else "%s/%s@%s" % (host, ref.repository, ref.digest)
    info = client.manifest_info(host, ref.repository, ref.reference, credentials)
    if info is None:
        return None
    digest, media_type = info
    fetched = client.manifest(host, ref.repository, digest, credentials)
    if fetched is None:
        raise AcrOpsError("%s (%s) disappeared between HEAD and GET: the tag moved; run again" % (where, digest), transient=True)
    document = fetched[2]
    media_type = media_type or fetched[1]
    if not oci.is_index(fetched[1], document) and "manifests" not in document:
        config = (document.get("config") or {}).get("digest")
        if not isinstance(config, str):
            raise AcrOpsError("%s is a manifest without a config, so its platform cannot be checked against platforms" % where)
        platform = platform_filter.config_platform(client.blob_json(host, ref.repository, config, credentials), where)
        platform_filter.check_single(platform, request.platforms, where)
        return digest, media_type, None
    children = platform_filter.select(document, request.platforms, where)
    if platform_filter.holds_only(document, children):
        platform_filter.check_manifest_count(document, where)
        return digest, media_type, None
    filtered = platform_filter.filtered_index(digest, media_type, document, request.platforms, children)
    return filtered.digest, media_type, filtered


def check_whole_index(client, request, digest):
    """Before an index (or what may be one) is submitted whole: refuse it when ACR would (platform_filter.MAX_IMPORT_MANIFESTS).
    Counting costs a GET (Docker Hub counts it as a pull), only for an index whose HEAD said it may be big enough."""
    ref = request.source
    if not platform_filter.may_exceed_limit(client.manifest_sizes.get((request.source_host, ref.repository, digest))):
        return
    fetched = client.manifest(request.source_host, ref.repository, digest, request.credentials)
    if fetched is not None and oci.is_index(fetched[1], fetched[2]):
        platform_filter.check_manifest_count(fetched[2], "%s/%s@%s" % (request.source_host, ref.repository, digest))


def changing_repositories(plan):
    """The repositories of the target tags the plan writes, in order, once each."""
    out = []
    for name in plan.import_tags:
        repository = name.rsplit(":", 1)[0]
        if repository not in out:
            out.append(repository)
    return out


def children_plan(ctx, filtered, plan, copied=()):
    """One entry per child and repository the plan writes a tag in: {digest, platform, repository, action}. Only those
    repositories are read (a HEAD by digest each); nothing is read when no tag changes. copied: (repository, digest) this run
    imported in an earlier attempt (the push failed transiently after them): found in place, they are still this run's imports."""
    entries = []
    for repository in changing_repositories(plan):
        for digest, platform in filtered.children:
            present = ctx.registry_client.manifest_digest(ctx.target.login_server, repository, digest) == digest
            action = CHILD_WOULD_IMPORT if ctx.check_mode and not present else (
                CHILD_IMPORTED if not present or (repository, digest) in copied else CHILD_UNCHANGED)
            entries.append({"digest": digest, "platform": platform, "repository": repository, "action": action})
    return entries


def describe(filtered, children, plan, check_mode):
    """The result's filtered_index: in check mode the tags it would be pushed under; in a real run `pushed` starts empty and
    push_index() adds each tag once its push is answered with the index's digest (a failed push is not reported pushed)."""
    described = {"source_digest": filtered.source_digest, "digest": filtered.digest, "media_type": filtered.media_type,
                 "platforms": list(filtered.platforms), "children": children}
    if check_mode:
        described["would_push"] = list(plan.import_tags)
    else:
        described["pushed"] = []
    return described


def copy_children(ctx, request, children, copied):
    """One importImage per child missing somewhere (NoForce, untaggedTargetRepositories = where it is missing), waited for: the
    index pushed next must find its children. Each completed import adds its (repository, digest) pairs to `copied`, so a
    failure later in the run still reports them. Returns how many imports were submitted."""
    missing = {}
    for entry in children:
        if entry["action"] == CHILD_IMPORTED and (entry["repository"], entry["digest"]) not in copied:
            missing.setdefault(entry["digest"], []).append(entry["repository"])
    for digest, repositories in missing.items():
        body = request.import_body(digest, (), repositories, "NoForce")
        ctx.arm.import_image(ctx.target, body, True, ctx.timeout)
        copied.update((repository, digest) for repository in repositories)
    return len(missing)


def push_index(ctx, filtered, plan, pushed):
    """PUT the filtered index under each target tag the plan writes; each answer must name the planned digest. `pushed` (the
    result's list) gets each tag whose push was answered so."""
    for name in plan.import_tags:
        repository, tag = name.rsplit(":", 1)
        answered = ctx.registry_client.put_manifest(ctx.target.login_server, repository, tag, filtered.media_type, filtered.body)
        if answered != filtered.digest:
            raise AcrOpsError("%s answered the push of the filtered index to %s with digest %s, expected %s"
                              % (ctx.target.login_server, name, answered, filtered.digest))
        pushed.append(name)

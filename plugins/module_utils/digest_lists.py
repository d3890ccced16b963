# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A registry's digest lists: for each repository its catalog selects, tag -> digest and the untagged digests, from ACR's
/acr/v1/_catalog and /acr/v1/{repo}/_manifests (both paged). What a migration compares between two registries: every
manifest counts, index children and referrers included (they are untagged manifests too)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.acrops.registry.plugins.module_utils import acr_tag_client, repository_selection


def repository_digests(client, login_server, repository):
    listed = acr_tag_client.list_manifests(client, login_server, repository, limit=None)
    tags = dict((tag, m["digest"]) for m in listed for tag in m.get("tags") or [] if isinstance(tag, str))
    return {"name": repository, "tags": dict(sorted(tags.items())), "untagged": sorted(m["digest"] for m in listed if not m.get("tags")),
            "manifests": len(listed)}


def read(client, login_server, repository_filter, concurrency=8):
    """[{name, tags: {tag: digest}, untagged: [digest], manifests}] for every repository of the catalog the filter keeps, by name."""
    names = [n for n in repository_selection.Catalogs(client).repositories(login_server, None, None, True) if repository_filter.keeps(n)]
    if not names:
        return []
    for name in names:  # their token scopes go in batches (registry_auth), not one token request per repository
        client.expect(login_server, name)
    with ThreadPoolExecutor(max_workers=max(1, min(concurrency, len(names)))) as pool:
        return sorted(pool.map(lambda name: repository_digests(client, login_server, name), names), key=lambda r: r["name"])

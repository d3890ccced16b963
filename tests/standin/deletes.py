# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Tag and manifest deletes on the emulated ACR data plane, with ACR's locks honoured.

- `DELETE /acr/v1/{repo}/_tags/{tag}` removes one tag: 202 and no body (ContainerRegistry_DeleteTag), 404 when absent.
- `DELETE /v2/{repo}/manifests/{digest}` removes a manifest and every tag on it: 202 and no body, 404 MANIFEST_UNKNOWN.
- A tag or manifest with `deleteEnabled: false` or `writeEnabled: false` (a locked image blocks deletes too: acr-cli#70,
  #134) refuses with ACR's 405 REGISTRY_DISALLOWED_OPERATION; a manifest also refuses while one of its tags is locked.
Distribution 2.8 deletes manifests but not tags: a tag is its directory in the filesystem layout, removed here.
"""

import os
import shutil
import urllib.parse

from aiohttp import web

from .responses import registry_error

DISALLOWED_MESSAGE = ("The operation is disallowed on this registry, repository or image. View troubleshooting steps at "
                      "https://aka.ms/acr/faq/#why-does-my-pull-or-push-request-fail-with-disallowed-operation")


def disallowed():
    return registry_error(405, "REGISTRY_DISALLOWED_OPERATION", DISALLOWED_MESSAGE, {})


def protected(attributes):
    return attributes.get("deleteEnabled") is False or attributes.get("writeEnabled") is False


def accepted():
    """ACR's answer to a delete: 202 Accepted, no body."""
    return web.Response(status=202, headers={"Docker-Distribution-Api-Version": "registry/2.0"})


def _tag_dir(registry, repo, tag):
    return os.path.join(registry.storage.root, "data", "docker", "registry", "v2", "repositories", repo, "_manifests", "tags", tag)


def delete_tag(registry, repo, tag, entry):
    """`entry`: the tag store's entry of an existing tag (DataPlane._tag_entry)."""
    if protected(entry["changeableAttributes"]):
        return disallowed()
    shutil.rmtree(_tag_dir(registry, repo, tag), ignore_errors=True)
    registry.tags.forget_tag(repo, tag)
    return accepted()


async def delete_manifest(plane, request, registry, repo, digest):
    """plane: the DataPlane (its storage reads); the manifest goes through distribution, its tags through the filesystem."""
    tags = (await plane._tags_by_digest(registry, repo)).get(digest, [])  # pylint: disable=protected-access
    if await plane._tag_digest(registry, repo, digest) is None:  # pylint: disable=protected-access
        return registry_error(404, "MANIFEST_UNKNOWN", "manifest unknown", {"Name": repo, "Revision": digest})
    manifest = registry.tags.observe_manifest(repo, digest)
    entries = [registry.tags.tag(repo, t) for t in tags]
    if protected(manifest["changeableAttributes"]) or any(e and protected(e["changeableAttributes"]) for e in entries):
        return disallowed()
    for tag in tags:
        shutil.rmtree(_tag_dir(registry, repo, tag), ignore_errors=True)
        registry.tags.forget_tag(repo, tag)
    url = registry.storage.url + urllib.parse.quote("/v2/%s/manifests/%s" % (repo, digest), safe="/:@")
    async with plane.world.http.delete(url) as response:
        status = response.status
        text = await response.text()
    if status != 202:
        return registry_error(status, "UNKNOWN", "storage refused the delete: %s" % text[:200])
    registry.tags.forget_manifest(repo, digest)
    return accepted()

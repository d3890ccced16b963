# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in's deletes and changeable attributes, driven by the real azure-containerregistry SDK (api 2021-07-01):
delete_tag, delete_manifest, update_tag_properties, update_manifest_properties, list_manifest_properties.

Locked tags and manifests refuse deletes with ACR's 405 REGISTRY_DISALLOWED_OPERATION (what acr-cli#70 recorded), a
manifest delete takes its tags with it, and the request log shows every DELETE (tests assert "none in check mode" on it).
"""

import pytest

from standin import clients

HttpResponseError = pytest.importorskip("azure.core.exceptions").HttpResponseError


def deletes(standin):
    """(route, status) of every DELETE the data plane answered past its auth (azure-containerregistry 1.2.0 caches no token:
    each call is a 401 first)."""
    return sorted((e["route"].split(":", 1)[1], e["status"]) for e in standin.control.log() if e["method"] == "DELETE" and e["status"] != 401)


def refused(call):
    with pytest.raises(HttpResponseError) as caught:
        call()
    return caught.value


def test_tag_and_manifest_deletes_honour_locks(standin_client, unique_repo):
    standin = standin_client
    kept = standin.push("standinacr", unique_repo, "1", platforms="linux/amd64")
    old = standin.push("standinacr", unique_repo, "0", platforms="linux/amd64")
    alias = standin.push("standinacr", unique_repo, "0-alias", platforms="linux/amd64", seed="%s:0" % unique_repo)
    untagged = standin.push("standinacr", unique_repo, "gone", platforms="linux/amd64")
    assert alias == old and len({kept, old, untagged}) == 3
    with clients.registry_client(standin) as registry:
        registry.delete_tag(unique_repo, "gone")  # leaves an untagged manifest behind, as a force overwrite does
        assert standin.acr_digest("standinacr", unique_repo, "gone") is None
        listed = {m.digest: m for m in registry.list_manifest_properties(unique_repo, results_per_page=1)}  # paged by Link
        assert set(listed) == {kept, old, untagged}
        assert sorted(listed[old].tags) == ["0", "0-alias"] and listed[untagged].tags == []
        assert listed[untagged].created_on is not None

        # A locked tag (writeEnabled false, or deleteEnabled false) refuses its own delete and its manifest's.
        locked = registry.update_tag_properties(unique_repo, "1", can_write=False)
        assert locked.can_write is False and registry.get_tag_properties(unique_repo, "1").can_write is False
        error = refused(lambda: registry.delete_tag(unique_repo, "1"))
        assert error.status_code == 405 and "REGISTRY_DISALLOWED_OPERATION" in str(error)
        assert refused(lambda: registry.delete_manifest(unique_repo, kept)).status_code == 405
        registry.update_tag_properties(unique_repo, "1", can_write=True, can_delete=False)
        assert refused(lambda: registry.delete_tag(unique_repo, "1")).status_code == 405
        assert standin.acr_digest("standinacr", unique_repo, "1") == kept

        # A locked manifest refuses its delete; unlocked, the delete takes every tag on it.
        manifest = registry.update_manifest_properties(unique_repo, old, can_delete=False)
        assert manifest.can_delete is False
        assert refused(lambda: registry.delete_manifest(unique_repo, old)).status_code == 405
        registry.update_manifest_properties(unique_repo, old, can_delete=True)
        registry.delete_manifest(unique_repo, old)
        assert standin.acr_digest("standinacr", unique_repo, "0") is None
        assert standin.acr_digest("standinacr", unique_repo, "0-alias") is None
        registry.delete_manifest(unique_repo, untagged)
        assert [m.digest for m in registry.list_manifest_properties(unique_repo)] == [kept]
        assert [t.name for t in registry.list_tag_properties(unique_repo)] == ["1"]
        registry.delete_tag(unique_repo, "no-such-tag")  # 404: the SDK treats it as done

    tag, manifest = "/acr/v1/{repo}/_tags/{tag}", "/v2/{repo}/manifests/{reference}"
    assert deletes(standin) == sorted([(tag, 202), (tag, 405), (tag, 405), (tag, 404),
                                       (manifest, 405), (manifest, 405), (manifest, 202), (manifest, 202)])

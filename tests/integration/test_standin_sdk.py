# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stand-in driven by the real Azure SDKs over HTTPS through its proxy, as the product drives Azure.

azure-identity + azure-mgmt-containerregistry do the ARM side (token, importImage LRO polling), azure-containerregistry
and plain OCI requests read the destination: digests must match the source byte for byte.
"""

import pytest

from standin import clients

HttpResponseError = pytest.importorskip("azure.core.exceptions").HttpResponseError
ClientAuthenticationError = pytest.importorskip("azure.core.exceptions").ClientAuthenticationError


def acr_v1(standin, registry, path, repo):
    token = standin.acr_token(registry, "repository:%s:metadata_read" % repo)
    with standin.proxied_session() as session:
        response = session.get("https://%s%s" % (standin.env["registries"][registry]["login_server"], path),
                               headers={"Authorization": "Bearer " + token}, timeout=30)
    response.raise_for_status()
    return response.json()


def import_error(standin, **params):
    with pytest.raises(HttpResponseError) as caught:
        clients.import_image(standin, **params)
    return caught.value


def test_multiarch_import_from_docker_hub_keeps_the_digest(standin_client, unique_repo):
    standin = standin_client
    source = standin.push("dockerhub", "library/" + unique_repo, "1", attestation=True)
    assert clients.import_image(standin, registry_uri="docker.io", source_image="library/%s:1" % unique_repo, target_tags=["%s:1" % unique_repo]) is None

    assert standin.acr_digest("standinacr", unique_repo, "1") == source
    with clients.registry_client(standin) as registry:
        properties = registry.get_tag_properties(unique_repo, "1")
        assert properties.digest == source
        assert properties.can_write is True
        manifest = registry.get_manifest_properties(unique_repo, "1")
        assert manifest.digest == source and manifest.tags == ["1"]
    references = acr_v1(standin, "standinacr", "/acr/v1/%s/_manifests/%s" % (unique_repo, source), unique_repo)["manifest"]["references"]
    assert len(references) == 4  # two platforms + two attestation manifests (unknown/unknown), all copied
    assert sorted(r["architecture"] for r in references) == ["amd64", "arm64", "unknown", "unknown"]
    for child in references:
        assert standin.storage_digest("standinacr", unique_repo, child["digest"]) == child["digest"]


def test_noforce_onto_an_existing_tag_fails_with_the_service_text_and_force_overwrites(standin_client, unique_repo):
    standin = standin_client
    first = standin.push("dockerhub", "library/" + unique_repo, "2")
    params = {"registry_uri": "docker.io", "source_image": "library/%s:2" % unique_repo, "target_tags": ["%s:2" % unique_repo]}
    clients.import_image(standin, **params)
    moved = standin.move_tag("dockerhub", "library/" + unique_repo, "2")
    assert moved != first

    error = import_error(standin, **params)
    registry_id = standin.env["registries"]["standinacr"]["id"]
    assert error.status_code == 400 and error.error.code == "InvalidParameters"
    assert error.error.message.startswith("Operation registries-")
    assert error.error.message.endswith("failed. Resource %s Tag %s:2 already exists in target registry." % (registry_id, unique_repo))
    assert standin.acr_digest("standinacr", unique_repo, "2") == first  # checked before any copy

    clients.import_image(standin, mode="Force", **params)
    assert standin.acr_digest("standinacr", unique_repo, "2") == moved


def test_resource_id_source_in_another_subscription(standin_client, unique_repo):
    standin = standin_client
    digest = standin.push("otheracr", unique_repo, "v1", platforms="linux/amd64")
    clients.import_image(standin, resource_id=standin.env["registries"]["otheracr"]["id"], source_image="%s:v1" % unique_repo,
                         target_tags=["copied/%s" % unique_repo])  # no tag given: the source's tag is used
    assert standin.acr_digest("standinacr", "copied/" + unique_repo, "v1") == digest


def test_private_registry_needs_the_right_credentials(standin_client, unique_repo):
    standin = standin_client
    private = standin.env["sources"]["private"]
    digest = standin.push("private", "team/" + unique_repo, "3")
    params = {"registry_uri": private["host"], "source_image": "team/%s:3" % unique_repo, "target_tags": ["%s:3" % unique_repo]}

    for credentials in ({}, {"username": private["username"], "password": "wrong"}):
        message = import_error(standin, **dict(params, **credentials)).error.message
        assert " Invalid message Unauthorized Unauthorized {" in message
        assert '"code":"UNAUTHORIZED"' in message
    clients.import_image(standin, username=private["username"], password=private["password"], **params)
    assert standin.acr_digest("standinacr", unique_repo, "3") == digest


def test_docker_hub_private_namespace_needs_the_account(standin_client, unique_repo):
    standin = standin_client
    hub = standin.env["sources"]["dockerhub"]
    repo = "%s/%s" % (hub["private_namespace"], unique_repo.replace("/", "-"))
    digest = standin.push("dockerhub", repo, "1")
    params = {"registry_uri": "registry.hub.docker.com", "source_image": "%s:1" % repo, "target_tags": ["%s:1" % unique_repo]}
    assert "Invalid message Unauthorized Unauthorized" in import_error(standin, **params).error.message
    wrong = import_error(standin, username=hub["username"], password="wrong", **params).error.message
    assert wrong.endswith('Invalid message Unauthorized Unauthorized {"details":"incorrect username or password"}')
    clients.import_image(standin, username=hub["username"], password=hub["password"], **params)
    assert standin.acr_digest("standinacr", unique_repo, "1") == digest


def test_password_only_credentials_with_an_entra_token_for_an_acr_source(standin_client, unique_repo):
    standin = standin_client
    digest = standin.push("otheracr", unique_repo, "4")
    login = standin.env["registries"]["otheracr"]["login_server"]
    params = {"registry_uri": login, "source_image": "%s:4" % unique_repo, "target_tags": ["%s:4" % unique_repo]}
    assert "Invalid message Unauthorized Unauthorized" in import_error(standin, **params).error.message
    clients.import_image(standin, password=standin.entra_token(), **params)
    assert standin.acr_digest("standinacr", unique_repo, "4") == digest


def test_digest_source_and_untagged_target_repositories(standin_client, unique_repo):
    standin = standin_client
    digest = standin.push("ghcr", "org/" + unique_repo, "5")
    clients.import_image(standin, registry_uri="ghcr.io", source_image="org/%s@%s" % (unique_repo, digest), target_tags=["%s:pinned" % unique_repo],
                         untagged=["untagged/" + unique_repo])
    assert standin.acr_digest("standinacr", unique_repo, "pinned") == digest
    assert standin.acr_digest("standinacr", "untagged/" + unique_repo, digest) == digest
    with clients.registry_client(standin) as registry:
        assert [t.name for t in registry.list_tag_properties("untagged/" + unique_repo)] == []


def test_source_errors_carry_the_service_texts(standin_client, unique_repo):
    standin = standin_client
    standin.push("dockerhub", "library/" + unique_repo, "6")
    no_library = import_error(standin, registry_uri="docker.io", source_image="%s:6" % unique_repo, target_tags=["x/%s:6" % unique_repo])
    assert "Invalid message Unauthorized Unauthorized" in no_library.error.message  # Docker Hub: 401 for unknown repositories
    missing = import_error(standin, registry_uri="docker.io", source_image="library/%s:nope" % unique_repo, target_tags=["x/%s:7" % unique_repo])
    assert missing.error.message.endswith("Unable to find manifest digest  Repo: library/%s Tag: nope" % unique_repo)


def test_reader_is_refused_with_authorization_failed(standin_client, unique_repo):
    standin = standin_client
    reader = standin.env["principals"]["reader"]
    registry = standin.env["registries"]["standinacr"]
    assert clients.mgmt_client(standin, "reader").registries.get(registry["resource_group"], "standinacr").login_server == registry["login_server"]
    with pytest.raises(HttpResponseError) as caught:
        clients.import_image(standin, principal="reader", registry_uri="docker.io", source_image="library/%s:1" % unique_repo,
                             target_tags=["%s:1" % unique_repo])
    assert caught.value.status_code == 403 and caught.value.error.code == "AuthorizationFailed"
    assert caught.value.error.message == (
        "The client '%s' with object id '%s' does not have authorization to perform action "
        "'Microsoft.ContainerRegistry/registries/importImage/action' over scope '%s' or the scope is invalid. If access was recently "
        "granted, please refresh your credentials." % (reader["client_id"], reader["object_id"], registry["id"]))
    assert standin.control.counters()["import_calls"] == 1


def test_wrong_secret_is_a_client_authentication_error(standin_client):
    standin = standin_client
    client = clients.mgmt_client(standin, cred=clients.credential(standin, client_secret="not-the-secret"))
    with pytest.raises(ClientAuthenticationError) as caught:
        client.registries.get("rg-mirror", "standinacr")
    assert "AADSTS7000215" in str(caught.value)
    assert standin.control.counters()["arm_requests"] == 0


def test_locked_tag_makes_an_import_fail_until_unlocked(standin_client, unique_repo):
    standin = standin_client
    standin.push("quay", "team/" + unique_repo, "8")
    params = {"registry_uri": "quay.io", "source_image": "team/%s:8" % unique_repo, "target_tags": ["%s:8" % unique_repo], "mode": "Force"}
    clients.import_image(standin, **params)
    locked = standin.control.lock_tag("standinacr", unique_repo, "8")
    assert locked["tag"]["changeableAttributes"]["writeEnabled"] is False
    with clients.registry_client(standin) as registry:
        assert registry.get_tag_properties(unique_repo, "8").can_write is False
    moved = standin.move_tag("quay", "team/" + unique_repo, "8")
    message = import_error(standin, **params).error.message
    assert '"code":"DENIED"' in message
    assert standin.acr_digest("standinacr", unique_repo, "8") != moved
    standin.control.lock_tag("standinacr", unique_repo, "8", write_enabled=True)
    clients.import_image(standin, **params)
    assert standin.acr_digest("standinacr", unique_repo, "8") == moved


def test_the_copy_happens_server_side_so_the_controller_moves_almost_no_bytes(standin_client, unique_repo):
    standin = standin_client
    digest = standin.push("dockerhub", "library/" + unique_repo, "big", size=2_600_000)  # two platforms: ~5.2 MB of layers
    clients.import_image(standin, registry_uri="docker.io", source_image="library/%s:big" % unique_repo, target_tags=["%s:big" % unique_repo])
    assert standin.acr_digest("standinacr", unique_repo, "big") == digest
    by_host = standin.control.counters()["bytes"]
    controller = sum(clients.get("controller", 0) for clients in by_host.values())
    copied = by_host["registry-1.docker.io"]["acr-import"]
    assert copied > 5_000_000
    assert controller < 100_000, by_host
    assert "controller" not in by_host["registry-1.docker.io"]

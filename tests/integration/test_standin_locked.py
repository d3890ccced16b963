# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Locked-down registries in the stand-in (issue 16), shown with the real Azure SDKs: firewall and public network
access, trusted-services import of a restricted source, ARM-audience tokens disabled, ABAC repository grants, and the
front end's header size limit. Facts and sources: docs/network.md."""

import json

import pytest

from standin import clients

HttpResponseError = pytest.importorskip("azure.core.exceptions").HttpResponseError
RegistryUpdateParameters = pytest.importorskip("azure.mgmt.containerregistry.models").RegistryUpdateParameters
FIREWALL_TEXT = "client with IP '%s' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."


def update(standin, registry, **properties):
    info = standin.env["registries"][registry]
    client = clients.mgmt_client(standin)
    return client.registries.begin_update(info["resource_group"], registry, RegistryUpdateParameters(**properties)).result()


def arm_audience_client(standin, registry="standinacr"):
    """ContainerRegistryClient exchanging a Resource Manager-audience Entra token, as the collection did before issue 16."""
    from azure.containerregistry import ContainerRegistryClient  # pylint: disable=import-outside-toplevel
    env = standin.env
    return ContainerRegistryClient("https://" + env["registries"][registry]["login_server"], clients.credential(standin),
                                   audience=env["arm_audience"].rstrip("/"), connection_verify=env["ca_bundle"])


def test_network_settings_set_through_resource_manager_show_in_get_and_reset(standin_client):
    standin = standin_client
    # pylint: disable=import-outside-toplevel
    from azure.mgmt.containerregistry.models import AzureADAuthenticationAsArmPolicy, IPRule, NetworkRuleSet, Policies
    updated = update(standin, "standinacr", public_network_access="Enabled", network_rule_bypass_options="None",
                     network_rule_set=NetworkRuleSet(default_action="Deny", ip_rules=[IPRule(ip_address_or_range="10.1.0.0/16")]),
                     policies=Policies(azure_ad_authentication_as_arm_policy=AzureADAuthenticationAsArmPolicy(status="disabled")),
                     role_assignment_mode="AbacRepositoryPermissions")
    info = standin.env["registries"]["standinacr"]
    shown = clients.mgmt_client(standin).registries.get(info["resource_group"], "standinacr")
    for registry in (updated, shown):
        assert registry.network_rule_set.default_action == "Deny"
        assert [r.ip_address_or_range for r in registry.network_rule_set.ip_rules] == ["10.1.0.0/16"]
        assert registry.network_rule_bypass_options == "None"
        assert registry.policies.azure_ad_authentication_as_arm_policy.status == "disabled"
        assert registry.role_assignment_mode == "AbacRepositoryPermissions"
        assert registry.policies.quarantine_policy.status == "disabled"  # a PATCH leaves what it does not name
    with pytest.raises(HttpResponseError) as caught:   # firewall rules are a Premium feature
        update(standin, "devacr", public_network_access="Disabled")
    assert caught.value.status_code == 400 and caught.value.error.code == "PremiumSkuRequired"

    standin.control.reset()
    restored = clients.mgmt_client(standin).registries.get(info["resource_group"], "standinacr")
    assert restored.network_rule_set.default_action == "Allow" and restored.network_rule_bypass_options == "AzureServices"
    assert restored.policies.azure_ad_authentication_as_arm_policy.status == "enabled"
    assert restored.role_assignment_mode == "LegacyRegistryPermissions"


def test_firewall_denies_every_data_plane_call_and_import_into_it_still_works(standin_client, unique_repo):
    standin = standin_client
    source = standin.push("dockerhub", "library/" + unique_repo, "1")
    standin.control.update_registry("standinacr", {"networkRuleSet": {"defaultAction": "Deny", "ipRules": [
        {"action": "Allow", "value": "10.0.0.0/8"}]}})
    login = standin.env["registries"]["standinacr"]["login_server"]
    with standin.proxied_session() as session:
        for method, path in (("GET", "/v2/"), ("POST", "/oauth2/exchange"), ("GET", "/oauth2/token"),
                             ("HEAD", "/v2/%s/manifests/1" % unique_repo), ("GET", "/acr/v1/%s/_tags" % unique_repo)):
            response = session.request(method, "https://%s%s" % (login, path), timeout=30)
            assert response.status_code == 403, (method, path)
            if method != "HEAD":
                assert response.json() == {"errors": [{"code": "DENIED", "message": FIREWALL_TEXT % "127.0.0.1"}]}
                assert "\\u0027127.0.0.1\\u0027" in response.text   # escaped as the service's body is
    with clients.registry_client(standin) as registry:
        with pytest.raises(HttpResponseError) as caught:
            registry.get_tag_properties(unique_repo, "1")
    assert caught.value.status_code == 403
    assert json.loads(caught.value.response.text())["errors"][0]["message"] == FIREWALL_TEXT % "127.0.0.1"

    # importImage is a Resource Manager call; the copy happens inside the service.
    assert clients.import_image(standin, registry_uri="docker.io", source_image="library/%s:1" % unique_repo, target_tags=["%s:1" % unique_repo]) is None
    assert standin.storage_digest("standinacr", unique_repo, "1") == source
    # ...as a trusted service: without the bypass the service's own writes are refused like any outside client.
    standin.control.update_registry("standinacr", {"networkRuleBypassOptions": "None"})
    with pytest.raises(HttpResponseError) as caught:
        clients.import_image(standin, registry_uri="docker.io", source_image="library/%s:1" % unique_repo, target_tags=["%s:2" % unique_repo])
    assert 'Invalid message Forbidden Forbidden {"errors":[{"code":"DENIED","message":"client with IP \\u0027' in caught.value.error.message
    assert standin.storage_digest("standinacr", unique_repo, "2") is None
    standin.control.update_registry("standinacr", {"networkRuleBypassOptions": "AzureServices"})

    # The controller's own address in an IP rule lets it in again; so does public access with default Allow.
    standin.control.update_registry("standinacr", {"networkRuleSet": {"defaultAction": "Deny", "ipRules": [
        {"action": "Allow", "value": "127.0.0.1"}]}})
    assert standin.acr_digest("standinacr", unique_repo, "1") == source
    standin.control.update_registry("standinacr", {"publicNetworkAccess": "Disabled",
                                                   "networkRuleSet": {"defaultAction": "Allow", "ipRules": []}})
    with standin.proxied_session() as session:
        assert session.get("https://%s/v2/" % login, timeout=30).status_code == 403


def test_restricted_source_imports_only_by_resource_id_with_trusted_services(standin_client, unique_repo):
    standin = standin_client
    digest = standin.push("prodacr", unique_repo, "1")
    prod = standin.env["registries"]["prodacr"]
    standin.control.update_registry("prodacr", {"publicNetworkAccess": "Disabled"})

    assert clients.import_image(standin, resource_id=prod["id"], source_image="%s:1" % unique_repo, target_tags=["%s:a" % unique_repo]) is None
    assert standin.storage_digest("standinacr", unique_repo, "a") == digest

    by_uri = pytest.raises(HttpResponseError)
    with by_uri:
        clients.import_image(standin, registry_uri=prod["login_server"], source_image="%s:1" % unique_repo, target_tags=["%s:b" % unique_repo],
                             username=standin.env["principals"]["importer"]["client_id"],
                             password=standin.env["principals"]["importer"]["client_secret"])
    standin.control.update_registry("prodacr", {"networkRuleBypassOptions": "None"})
    no_bypass = pytest.raises(HttpResponseError)
    with no_bypass:
        clients.import_image(standin, resource_id=prod["id"], source_image="%s:1" % unique_repo, target_tags=["%s:c" % unique_repo])
    for caught in (by_uri, no_bypass):
        message = caught.excinfo.value.error.message
        assert caught.excinfo.value.error.code == "InvalidParameters"
        assert 'Invalid message Forbidden Forbidden {"errors":[{"code":"DENIED","message":"client with IP \\u0027' in message
        assert "is not allowed access. Refer https://aka.ms/acr/firewall to grant access." in message
    assert standin.storage_digest("standinacr", unique_repo, "b") is None
    assert standin.storage_digest("standinacr", unique_repo, "c") is None


def test_arm_audience_tokens_disabled_refuse_the_exchange_and_acr_audience_passes(standin_client, unique_repo):
    standin = standin_client
    standin.push("standinacr", unique_repo, "1")
    standin.control.update_registry("standinacr", {"policies": {"azureADAuthenticationAsArmPolicy": {"status": "disabled"}}})
    with arm_audience_client(standin) as registry:
        with pytest.raises(HttpResponseError) as caught:
            registry.get_tag_properties(unique_repo, "1")
    assert caught.value.status_code == 401 and "ARM audience token authentication is disabled" in str(caught.value)
    with clients.registry_client(standin) as registry:   # audience https://containerregistry.azure.net
        assert registry.get_tag_properties(unique_repo, "1").name == "1"

    standin.control.update_registry("standinacr", {"policies": {"azureADAuthenticationAsArmPolicy": {"status": "enabled"}}})
    with arm_audience_client(standin) as registry:
        assert registry.get_tag_properties(unique_repo, "1").name == "1"


def test_abac_mode_grants_repositories_by_prefix_only(standin_client, unique_repo):
    standin = standin_client
    standin.push("standinacr", "team-a/" + unique_repo, "1")
    standin.push("standinacr", "team-b/" + unique_repo, "1")
    standin.control.update_registry("standinacr", {"roleAssignmentMode": "AbacRepositoryPermissions"})
    with clients.registry_client(standin, principal="reader") as registry:
        with pytest.raises(HttpResponseError) as caught:   # registry-wide reader role no longer counts
            registry.get_tag_properties("team-a/" + unique_repo, "1")
        assert caught.value.status_code == 401
    standin.control.grant("standinacr", "reader", ["team-a/"], role="Container Registry Repository Reader")
    with clients.registry_client(standin, principal="reader") as registry:
        assert registry.get_tag_properties("team-a/" + unique_repo, "1").name == "1"
        with pytest.raises(HttpResponseError) as caught:
            registry.get_tag_properties("team-b/" + unique_repo, "1")
    assert caught.value.status_code == 401
    assert json.loads(caught.value.response.text())["errors"][0]["code"] == "UNAUTHORIZED"
    # The import is a Resource Manager action (importImage/action), which ABAC does not change...
    standin.push("dockerhub", "library/" + unique_repo, "1")
    assert clients.import_image(standin, registry_uri="docker.io", source_image="library/%s:1" % unique_repo,
                                target_tags=["team-b/%s:2" % unique_repo]) is None
    # ...but a source ACR read with the caller's credentials honours that registry's repository grants.
    with pytest.raises(HttpResponseError) as caught:
        clients.import_image(standin, registry_uri=standin.env["registries"]["standinacr"]["login_server"],
                             source_image="team-b/%s:1" % unique_repo, target_tags=["team-b/%s:3" % unique_repo],
                             username=standin.env["principals"]["importer"]["client_id"],
                             password=standin.env["principals"]["importer"]["client_secret"])
    assert "Invalid message Unauthorized Unauthorized" in caught.value.error.message


def test_oversized_request_headers_get_the_front_ends_400(standin_client):
    standin = standin_client
    login = standin.env["registries"]["standinacr"]["login_server"]
    with standin.proxied_session() as session:
        small = session.get("https://%s/v2/" % login, headers={"Authorization": "Bearer " + "x" * 7000}, timeout=30)
        large = session.get("https://%s/v2/" % login, headers={"Authorization": "Bearer " + "x" * 9000}, timeout=30)
        source = session.get("https://registry-1.docker.io/v2/", headers={"X-Padding": "x" * 9000}, timeout=30)
        standin.control.settings(max_request_header_bytes=20000)
        allowed = session.get("https://%s/v2/" % login, headers={"Authorization": "Bearer " + "x" * 9000}, timeout=30)
    assert small.status_code == 401
    for refused in (large, source):
        assert refused.status_code == 400 and "<title>400 Request Header Or Cookie Too Large</title>" in refused.text
    assert allowed.status_code == 401

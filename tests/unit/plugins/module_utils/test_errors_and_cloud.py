# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import auth, cloud
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, Redactor
from ansible_collections.acrops.registry.plugins.module_utils.oci import next_link as _next_link
from ansible_collections.acrops.registry.plugins.module_utils.registry_auth import parse_challenge


def test_redactor_removes_known_secrets_and_token_shapes():
    redactor = Redactor(["s3cr3t-value"])
    text = redactor.scrub("login with s3cr3t-value failed; Authorization: Bearer abcdefghijkl; jwt eyJhbGciOi.eyJzdWIiOjEy.sig_part; "
                          "password=hunter22 and refresh_token: 'zzzzzzzz'")
    for secret in ("s3cr3t-value", "abcdefghijkl", "eyJhbGciOi", "hunter22", "zzzzzzzz"):
        assert secret not in text
    assert "sha256:" + "a" * 64 in redactor.scrub("digest sha256:" + "a" * 64)


def test_redactor_scrubs_nested_results():
    redactor = Redactor(["topsecret"])
    assert redactor.scrub_data({"a": ["x topsecret", {"b": "topsecret"}], "n": 1}) == {"a": ["x ********", {"b": "********"}], "n": 1}


def test_redactor_scrubs_secrets_added_after_it_scrubbed_and_overlapping_ones_longest_first():
    redactor = Redactor(["first-secret"])
    assert redactor.scrub("a first-secret b") == "a ******** b"
    redactor.add("later-token-value")                   # after a scrub: its cached plan must not miss the new secret
    redactor.add("zz-later")                            # another first 4 characters than every secret before it
    assert redactor.scrub("x later-token-value y zz-later") == "x ******** y ********"
    redactor.add("later-token")                         # a prefix of a longer secret: the longer one is replaced whole
    assert redactor.scrub("later-token-value|later-token") == "********|********"


def test_redactor_leaves_strings_without_secrets_alone_with_many_secrets():
    tokens = ["tok%04d-%s" % (i, "x" * 40) for i in range(500)]
    redactor = Redactor(tokens)
    assert redactor.scrub("library/app:1 sha256:" + "a" * 64) == "library/app:1 sha256:" + "a" * 64
    assert redactor.scrub("seen %s and %s" % (tokens[0], tokens[499])) == "seen ******** and ********"


@pytest.mark.parametrize("value, expected", [
    (None, "AzureCloud"), ("AzureCloud", "AzureCloud"), ("azurechinacloud", "AzureChinaCloud"),
    ("AzureUSGovernment", "AzureUSGovernment"), ("https://arm.example.test/", "https://arm.example.test"),
])
def test_cloud_environment_forms(value, expected):
    assert cloud.validate_cloud_environment(value) == expected


@pytest.mark.parametrize("value, fragment", [("http://arm.example.test", "https://"), ("AzureMoonCloud", "use one of")])
def test_bad_cloud_environment(value, fragment):
    with pytest.raises(AcrOpsError) as info:
        cloud.validate_cloud_environment(value)
    assert fragment in str(info.value)


def test_cloud_from_metadata_document():
    document = {"name": "StandIn", "resourceManager": "https://arm.test/",
                "authentication": {"loginEndpoint": "https://login.test/", "audiences": ["https://management.core.test/"]},
                "suffixes": {"acrLoginServer": ".azurecr.test"}}
    result = cloud.cloud_from_metadata(document, "https://arm.test")
    assert result.resource_manager == "https://arm.test" and result.login_endpoint == "https://login.test"
    assert result.acr_suffix == "azurecr.test" and not result.known
    assert cloud.arm_scope(result) == "https://management.core.test/.default"
    assert cloud.cloud_from_metadata([document], "https://arm.test").name == "StandIn"


def test_auth_settings_precedence(monkeypatch, tmp_path):
    for names in auth.ENV_NAMES.values():
        for name in names:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AZURE_CLIENT_ID", "env-client")
    monkeypatch.setenv("AZURE_CLIENT_SECRET", "env-secret")
    monkeypatch.setenv("AZURE_TENANT_ID", "env-tenant")
    settings = auth.settings_from({"client_id": "param-client", "auth_source": "auto"})
    assert (settings.client_id, settings.secret, settings.tenant) == ("param-client", "env-secret", "env-tenant")
    (tmp_path / ".azure").mkdir()
    (tmp_path / ".azure" / "credentials").write_text("[default]\nsubscription_id=file-sub\n[other]\nsubscription_id=other-sub\n")
    assert auth.settings_from({"auth_source": "auto"}).subscription_id == "file-sub"
    assert auth.settings_from({"auth_source": "auto", "profile": "other"}).subscription_id == "other-sub"
    with pytest.raises(AcrOpsError):
        auth.settings_from({"auth_source": "auto", "profile": "missing"})


@pytest.mark.parametrize("settings, fragment", [
    (auth.Settings("auto", None, None, None, "sec", None, None, None), "without client_id"),
    (auth.Settings("auto", None, None, "cid", "sec", None, None, None), "tenant"),
    (auth.Settings("env", None, None, None, None, None, None, None), "AZURE_CLIENT_ID"),
    (auth.Settings("workload_identity", None, "t", "c", None, None, None, None), "AZURE_FEDERATED_TOKEN_FILE"),
])
def test_auth_settings_that_cannot_work(settings, fragment):
    with pytest.raises(AcrOpsError) as info:
        auth.validate_settings(settings)
    assert fragment in str(info.value)


def test_challenge_and_link_parsing():
    scheme, params = parse_challenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')
    assert scheme == "bearer" and params["realm"] == "https://auth.docker.io/token" and params["scope"].endswith(":pull")
    assert parse_challenge('Basic realm="Registry Realm"')[0] == "basic"
    assert _next_link('</acr/v1/app/_tags?last=b&n=2>; rel="next"') == "/acr/v1/app/_tags?last=b&n=2"
    assert _next_link('<https://x.test/acr/v1/app/_tags?last=c>; rel="next"') == "/acr/v1/app/_tags?last=c"
    assert _next_link(None) is None

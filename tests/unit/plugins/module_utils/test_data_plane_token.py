# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Issue 16: the data plane's Entra token is for ACR's audience; Resource Manager's only when Entra refuses that scope."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import cloud
from ansible_collections.acrops.registry.plugins.module_utils.clients import DataPlaneToken, WarmingCredential
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

ACR = "https://containerregistry.azure.net/.default"
ARM = "https://management.core.windows.net/.default"


class Entra:
    """Answers a token per scope, or refuses the scopes in `refused` with the given message."""

    def __init__(self, refused=(), message="AADSTS500011: The resource principal named %s was not found in the tenant"):
        self.refused = set(refused)
        self.message = message
        self.asked = []

    def __call__(self, scope):
        self.asked.append(scope)
        if scope in self.refused:
            raise AcrOpsError("could not get an Azure token: " + self.message % scope)
        return "token-for-" + scope


def test_every_cloud_asks_for_acr_s_audience_and_resource_manager_keeps_its_own():
    for each in cloud.KNOWN_CLOUDS.values():
        assert cloud.acr_scope(each) == ACR
    assert cloud.arm_scope(cloud.KNOWN_CLOUDS["AzureCloud"]) == ARM


def test_the_acr_audience_is_used_without_any_warning():
    entra = Entra()
    token = DataPlaneToken(entra, ACR, ARM)
    assert token() == "token-for-" + ACR and token() == "token-for-" + ACR
    assert entra.asked == [ACR, ACR] and token.warnings == []


def test_a_refused_scope_falls_back_to_resource_manager_once_with_one_warning():
    entra = Entra(refused={ACR})
    token = DataPlaneToken(entra, ACR, ARM)
    assert token() == "token-for-" + ARM and token() == "token-for-" + ARM
    assert entra.asked == [ACR, ARM, ARM]  # ACR's scope is not asked for again
    assert len(token.warnings) == 1 and "AADSTS500011" in token.warnings[0] and "Resource Manager-audience" in token.warnings[0]


def test_other_failures_are_not_a_reason_to_change_audience():
    entra = Entra(refused={ACR, ARM}, message="AADSTS7000215: Invalid client secret provided (%s)")
    token = DataPlaneToken(entra, ACR, ARM)
    with pytest.raises(AcrOpsError, match="AADSTS7000215"):
        token()
    assert entra.asked == [ACR] and token.warnings == []


def test_the_data_plane_token_is_asked_for_after_resource_manager_s_first_token():
    entra = Entra()
    token = DataPlaneToken(entra, ACR, ARM)

    class Credential:
        def get_token(self, *scopes, **kwargs):
            entra.asked.append("arm-sdk")
            return "arm-token"

    credential = WarmingCredential(Credential(), token)
    warming = []
    token.warm = lambda: warming.append(len(entra.asked))
    assert credential.get_token(ARM) == "arm-token" and credential.get_token(ARM) == "arm-token"
    assert warming == [1]  # once, after the first Resource Manager token

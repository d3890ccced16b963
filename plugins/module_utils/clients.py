# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Build the clients one module run shares: cloud, credential, ARM client, registry client."""

from __future__ import annotations

import re
import threading
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils import auth, cloud as cloud_utils
from ansible_collections.acrops.registry.plugins.module_utils.arm import ArmClient, requests_transport
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError
from ansible_collections.acrops.registry.plugins.module_utils.registry_client import RegistryClient
from ansible_collections.acrops.registry.plugins.module_utils.retries import RetryPolicy
from ansible_collections.acrops.registry.plugins.module_utils.validation import validate_auth

Clients = namedtuple("Clients", "cloud credential subscription_id arm registry_client settings data_token")
Clients.__new__.__defaults__ = (None,)
# What Entra says when it does not know a resource or scope (AADSTS500011 resource principal not found, AADSTS70011 invalid
# scope): the cloud has no ACR audience, and only then does the data plane fall back to Resource Manager tokens.
SCOPE_REFUSED = re.compile(r"AADSTS500011|AADSTS70011|AADSTS650057|invalid_resource|invalid_scope", re.IGNORECASE)


class DataPlaneToken:
    """The Entra token for ACR's token exchange: ACR's own audience (cloud.acr_scope), which registries whose
    azureADAuthenticationAsArmPolicy is disabled require, or the Resource Manager's when Entra refuses ACR's scope (Azure
    Stack Hub, private clouds): decided once per run, said once in `warnings`. Callable; thread-safe."""

    def __init__(self, get_token, acr_scope, arm_scope):
        self._get_token = get_token   # scope -> token text, raising AcrOpsError
        self._scopes = [acr_scope, arm_scope]
        self._lock = threading.Lock()
        self.warnings = []

    def __call__(self):
        with self._lock:
            try:
                return self._get_token(self._scopes[0])
            except AcrOpsError as exc:
                if len(self._scopes) == 1 or not SCOPE_REFUSED.search(str(exc)):
                    raise
                token = self._get_token(self._scopes[1])
                self.warnings.append("Entra refused a token for %s (%s): registries are read with Resource Manager-audience tokens "
                                     "in this run, which a registry whose ARM-audience authentication is disabled refuses"
                                     % (self._scopes[0], exc.message))
                del self._scopes[0]
                return token

    def warm(self):
        """Ask for the token in the background (while Resource Manager finds the registry): the first registry read finds it
        in the credential's cache. A failure is left for that read to raise."""
        def ask():
            try:
                self()
            except Exception:  # pylint: disable=broad-exception-caught  # the first real use raises it with its context
                pass
        worker = threading.Thread(target=ask, daemon=True, name="entra-data-plane-token")
        worker.start()
        return worker


def connect_registries(params, redactor, settings, pool_size=8):
    """The registry client and the cloud: all that reading a source needs (no Azure credentials, no Azure SDK import).
    The run's retry policy (options retries, retry_max_wait) rides on the registry client; connect_azure gives ARM the same."""
    for secret in (settings.secret,):
        redactor.add(secret)
    verify = params.get("ca_bundle") or True
    registry_client = RegistryClient(redactor, verify=verify, pool_size=pool_size, timeout=params.get("timeout_connect") or 10,
                                     tenant=settings.tenant, retry_policy=RetryPolicy.from_params(params))
    return registry_client, cloud_utils.resolve_cloud(settings.cloud_environment, registry_client.session)


def connect_azure(params, redactor, settings, registry_client, cloud, pool_size=8):
    """The credential, the subscription and the ARM client around a registry client from connect_registries()."""
    verify = params.get("ca_bundle") or True
    transport = {"connection_verify": verify} if verify is not True else {}
    # azure-identity gets a transport of ours too: its own would parse the CA bundle once more (~50 ms of CPU).
    credential = auth.build_credential(settings, cloud, {"transport": requests_transport(transport, 2)})

    def token_for(scope):
        try:
            token = credential.get_token(scope).token
        except Exception as exc:  # azure-identity raises several types; all mean "no token"
            raise AcrOpsError("could not get an Azure token: %s" % redactor.scrub(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__),
                              hint="check client_id, secret, tenant and cloud_environment") from None
        redactor.add(token)
        return token

    data_token = DataPlaneToken(token_for, cloud_utils.acr_scope(cloud), cloud_utils.arm_scope(cloud))
    registry_client.set_entra_token(data_token)
    subscription_id = settings.subscription_id or _only_subscription(registry_client, cloud, lambda: token_for(cloud_utils.arm_scope(cloud)))
    arm = ArmClient(WarmingCredential(credential, data_token), subscription_id, cloud, redactor, transport,
                    polling_interval=params.get("polling_interval") or 5, pool_size=max(10, pool_size),
                    retry_policy=registry_client.retry_policy)
    return Clients(cloud, credential, subscription_id, arm, registry_client, settings, data_token)


class WarmingCredential:
    """The credential as Resource Manager's SDK client sees it: its first token done, the data plane's token is asked for in the
    background while the first Resource Manager call runs (not before: azure-identity builds its token client without a lock,
    and two threads meeting an empty credential would each read the authority's metadata)."""

    def __init__(self, credential, data_token):
        self._credential = credential
        self._data_token = data_token
        self._warmed = False

    def get_token(self, *scopes, **kwargs):
        token = self._credential.get_token(*scopes, **kwargs)
        if not self._warmed:
            self._warmed = True
            self._data_token.warm()
        return token

    def close(self):
        close = getattr(self._credential, "close", None)
        if close is not None:
            close()


def build(params, redactor, settings=None, pool_size=8):
    settings = settings or validate_auth(params)
    registry_client, cloud = connect_registries(params, redactor, settings, pool_size)
    return connect_azure(params, redactor, settings, registry_client, cloud, pool_size)


def _only_subscription(registry_client, cloud, entra_token):
    """When no subscription is configured, use the identity's only one (and refuse to guess among several)."""
    response = registry_client.session.get("%s/subscriptions?api-version=2022-12-01" % cloud.resource_manager,
                                           headers={"Authorization": "Bearer " + entra_token()}, timeout=30)
    if response.status_code != 200:
        raise AcrOpsError("subscription_id is not set and listing subscriptions failed (HTTP %s)" % response.status_code,
                          hint="set subscription_id or AZURE_SUBSCRIPTION_ID")
    ids = [s.get("subscriptionId") for s in response.json().get("value", [])]
    if len(ids) != 1:
        raise AcrOpsError("subscription_id is not set and the identity sees %d subscriptions" % len(ids),
                          hint="set subscription_id or AZURE_SUBSCRIPTION_ID")
    return ids[0]

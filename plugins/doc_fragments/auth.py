# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Documentation of the Azure authentication options every acrops.registry module takes."""

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods

    DOCUMENTATION = r'''
options:
  auth_source:
    description:
      - Where the Azure credentials come from, as in azure.azcollection.
      - V(auto) uses, in order, the module options, the environment (E(AZURE_CLIENT_ID), E(AZURE_SECRET) or E(AZURE_CLIENT_SECRET),
        E(AZURE_TENANT) or E(AZURE_TENANT_ID)), workload identity (E(AZURE_FEDERATED_TOKEN_FILE)), the C(default) profile of
        C(~/.azure/credentials), then the Azure CLI login and managed identity.
      - V(env), V(credential_file), V(cli), V(msi) and V(workload_identity) use that source only.
    type: str
    default: auto
    choices: [auto, env, credential_file, cli, msi, workload_identity]
  subscription_id:
    description:
      - The subscription of the target registry. Defaults to E(AZURE_SUBSCRIPTION_ID), then the profile, then the only subscription
        the identity can see.
    type: str
  tenant:
    description: The Entra ID tenant of the service principal. Defaults to E(AZURE_TENANT) or E(AZURE_TENANT_ID).
    type: str
  client_id:
    description: The service principal's (or user-assigned managed identity's) client ID. Defaults to E(AZURE_CLIENT_ID).
    type: str
  secret:
    description: The service principal's client secret. Defaults to E(AZURE_SECRET) or E(AZURE_CLIENT_SECRET). Never logged.
    type: str
  profile:
    description: A profile (section) of C(~/.azure/credentials). Defaults to E(AZURE_PROFILE), then C(default).
    type: str
  cloud_environment:
    description:
      - A cloud name (V(AzureCloud), V(AzureChinaCloud), V(AzureUSGovernment)) or the C(https://) URL of a Resource Manager endpoint
        that serves C(/metadata/endpoints) (Azure Stack Hub, private clouds). Defaults to E(AZURE_CLOUD_ENVIRONMENT), then V(AzureCloud).
      - The registry's login server always comes from Resource Manager; no C(.azurecr.io) suffix is assumed.
    type: str
  ca_bundle:
    description:
      - A PEM file of CA certificates to trust for every Azure and registry connection (private CAs, TLS-inspecting proxies).
      - Without it the standard environment applies (E(REQUESTS_CA_BUNDLE)). TLS is always verified.
      - A path that does not exist is refused before any request. The bundle is read once per run and shared by every connection.
    type: path
  timeout_connect:
    description:
      - Seconds to wait for a registry connection to be set up (TCP, the proxy's tunnel, TLS) before giving up on that attempt
        (retries follow the shared policy). A connected registry may take up to 30 s to answer.
      - A host that cannot be reached is remembered for the run, so its other images fail at once instead of each waiting again.
    type: int
    default: 10
notes:
  - Requires the Python packages azure-identity and azure-mgmt-containerregistry (see the collection's requirements.txt).
  - Proxies are taken from the standard E(HTTPS_PROXY) and E(NO_PROXY) environment variables.
'''

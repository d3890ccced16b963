# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The real Azure SDK clients, pointed at a running stand-in the way a user points them at a sovereign cloud.

Imports of the SDKs happen inside the functions: importing standin.clients costs nothing.
Proxy and CA settings come from the process environment (StandIn.client_env()) as for any client.
"""


def credential(standin, principal="importer", **kwargs):
    from azure.identity import ClientSecretCredential  # pylint: disable=import-outside-toplevel

    env = standin.env
    creds = env["principals"][principal]
    return ClientSecretCredential(creds["tenant_id"], creds["client_id"], kwargs.pop("client_secret", creds["client_secret"]),
                                  authority=env["arm_endpoint"], disable_instance_discovery=True, connection_verify=env["ca_bundle"],
                                  **kwargs)


def mgmt_client(standin, principal="importer", subscription="main", polling_interval=0.05, cred=None, **kwargs):
    """ContainerRegistryManagementClient on the stand-in's Resource Manager."""
    from azure.mgmt.containerregistry import ContainerRegistryManagementClient  # pylint: disable=import-outside-toplevel

    env = standin.env
    return ContainerRegistryManagementClient(cred or credential(standin, principal), env["subscriptions"][subscription],
                                             base_url=env["arm_endpoint"], credential_scopes=[env["arm_audience"] + ".default"],
                                             connection_verify=env["ca_bundle"], polling_interval=polling_interval, **kwargs)


def registry_client(standin, registry="standinacr", principal="importer", cred=None, **kwargs):
    """azure-containerregistry's ContainerRegistryClient on one emulated registry's data plane."""
    from azure.containerregistry import ContainerRegistryClient  # pylint: disable=import-outside-toplevel

    env = standin.env
    return ContainerRegistryClient("https://" + env["registries"][registry]["login_server"], cred or credential(standin, principal),
                                   audience=env["acr_audience"], connection_verify=env["ca_bundle"], **kwargs)


def import_parameters(source_image, target_tags=None, registry_uri=None, resource_id=None, username=None, password=None,
                      untagged=None, mode="NoForce"):
    """ImportImageParameters as the product would send them (mode always explicit)."""
    # pylint: disable=import-outside-toplevel
    from azure.mgmt.containerregistry.models import ImportImageParameters, ImportSource, ImportSourceCredentials

    credentials = ImportSourceCredentials(username=username, password=password) if password is not None else None
    source = ImportSource(registry_uri=registry_uri, resource_id=resource_id, source_image=source_image, credentials=credentials)
    return ImportImageParameters(source=source, target_tags=target_tags, untagged_target_repositories=untagged, mode=mode)


def import_image(standin, registry="standinacr", principal="importer", **params):
    """registries.begin_import_image(...).result() on an emulated registry, as the SDK's user would call it (params:
    import_parameters')."""
    info = standin.env["registries"][registry]
    client = mgmt_client(standin, principal)
    return client.registries.begin_import_image(info["resource_group"], registry, import_parameters(**params)).result()

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Azure credentials from module options, environment and profile files, built on azure-identity.

Compatible with what azure.azcollection users already have: the same option names (auth_source,
subscription_id, client_id, secret, tenant, profile, cloud_environment), its AZURE_* environment
variables, azure-identity's own variable names, and `~/.azure/credentials` profiles.
"""

from __future__ import annotations

import configparser
import os
from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

AUTH_SOURCES = ("auto", "env", "credential_file", "cli", "msi", "workload_identity")

# Module option -> environment names, azure.azcollection's first, then azure-identity's.
ENV_NAMES = {
    "subscription_id": ("AZURE_SUBSCRIPTION_ID",),
    "client_id": ("AZURE_CLIENT_ID",),
    "secret": ("AZURE_SECRET", "AZURE_CLIENT_SECRET"),
    "tenant": ("AZURE_TENANT", "AZURE_TENANT_ID"),
    "cloud_environment": ("AZURE_CLOUD_ENVIRONMENT",),
    "profile": ("AZURE_PROFILE",),
    "federated_token_file": ("AZURE_FEDERATED_TOKEN_FILE",),
}

# Option specs shared by every module of the collection (and its module_defaults group).
AUTH_ARGUMENT_SPEC = dict(
    auth_source=dict(type="str", default="auto", choices=list(AUTH_SOURCES)),
    subscription_id=dict(type="str"),
    tenant=dict(type="str"),
    client_id=dict(type="str"),
    secret=dict(type="str", no_log=True),
    profile=dict(type="str"),
    cloud_environment=dict(type="str"),
    ca_bundle=dict(type="path"),
    timeout_connect=dict(type="int", default=10),
)

Settings = namedtuple("Settings", "auth_source subscription_id tenant client_id secret cloud_environment federated_token_file profile")


def _env(name):
    for var in ENV_NAMES[name]:
        value = os.environ.get(var)
        if value:
            return value
    return None


def read_profile(profile, path=None):
    """Read a `~/.azure/credentials` profile (INI, one section per profile) or return {} when absent."""
    path = path or os.path.expanduser("~/.azure/credentials")
    if not os.path.isfile(path):
        if profile and profile != "default":
            raise AcrOpsError("profile %r requested but %s does not exist" % (profile, path))
        return {}
    parser = configparser.ConfigParser()
    parser.read(path)
    name = profile or "default"
    if not parser.has_section(name):
        if profile:
            raise AcrOpsError("profile %r not found in %s (sections: %s)" % (name, path, ", ".join(parser.sections()) or "none"))
        return {}
    return dict(parser.items(name))


def settings_from(params):
    """Merge options, environment and profile into Settings, in azure.azcollection's order of precedence."""
    source = params.get("auth_source") or "auto"
    values = {}
    explicit = dict((k, params.get(k)) for k in ("subscription_id", "tenant", "client_id", "secret", "cloud_environment", "profile"))
    use_env = source in ("auto", "env", "workload_identity", "msi", "cli")
    use_file = source in ("auto", "credential_file")
    profile_values = {}
    if use_file:
        profile_values = read_profile(explicit["profile"] or (_env("profile") if use_env else None))
    for key in ("subscription_id", "tenant", "client_id", "secret", "cloud_environment"):
        value = explicit.get(key)
        if not value and use_env:
            value = _env(key)
        if not value:
            value = profile_values.get(key)
        values[key] = value
    token_file = _env("federated_token_file") if use_env else None
    if source == "credential_file" and not profile_values:
        raise AcrOpsError("auth_source=credential_file but no profile was found in ~/.azure/credentials")
    return Settings(source, values["subscription_id"], values["tenant"], values["client_id"], values["secret"],
                    values["cloud_environment"], token_file, explicit["profile"])


def validate_settings(settings):
    """Refuse option combinations that cannot authenticate, before any network call."""
    if settings.secret and not settings.client_id:
        raise AcrOpsError("a client secret was given without client_id: set client_id (or AZURE_CLIENT_ID) too")
    if settings.client_id and settings.secret and not settings.tenant:
        raise AcrOpsError("a service principal needs its tenant: set tenant (or AZURE_TENANT / AZURE_TENANT_ID)")
    if settings.auth_source == "env" and not (settings.client_id and settings.secret) and not settings.federated_token_file:
        raise AcrOpsError("auth_source=env needs AZURE_CLIENT_ID, AZURE_SECRET (or AZURE_CLIENT_SECRET) and AZURE_TENANT")
    if settings.auth_source == "workload_identity" and not (settings.federated_token_file and settings.client_id and settings.tenant):
        raise AcrOpsError("auth_source=workload_identity needs AZURE_FEDERATED_TOKEN_FILE, AZURE_CLIENT_ID and AZURE_TENANT_ID")


def build_credential(settings, cloud, transport_kwargs):
    """An azure-identity credential for these settings; imported lazily (it is heavy)."""
    # pylint: disable=import-outside-toplevel
    from azure.identity import (AzureCliCredential, ChainedTokenCredential, ClientSecretCredential, ManagedIdentityCredential,
                                WorkloadIdentityCredential)
    common = dict(transport_kwargs)
    authority = dict(common, authority=cloud.login_endpoint)
    if not cloud.known:
        # A private cloud's authority is not in Microsoft's instance-discovery list (Azure Stack Hub does this too).
        authority["disable_instance_discovery"] = True
    source = settings.auth_source
    if source in ("auto", "env", "credential_file") and settings.client_id and settings.secret:
        return ClientSecretCredential(settings.tenant, settings.client_id, settings.secret, **authority)
    if source in ("auto", "env", "workload_identity") and settings.federated_token_file and settings.client_id and settings.tenant:
        return WorkloadIdentityCredential(tenant_id=settings.tenant, client_id=settings.client_id,
                                          token_file_path=settings.federated_token_file, **authority)
    if source == "cli":
        return AzureCliCredential(tenant_id=settings.tenant or "")
    if source == "msi":
        return ManagedIdentityCredential(client_id=settings.client_id, **common) if settings.client_id else ManagedIdentityCredential(**common)
    if source == "auto":
        return ChainedTokenCredential(AzureCliCredential(), ManagedIdentityCredential(**common))
    raise AcrOpsError("no usable credentials for auth_source=%s: give client_id/secret/tenant, a profile, or use cli/msi" % source)

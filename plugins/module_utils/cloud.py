# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Azure cloud endpoints: a named cloud, or any cloud described by a metadata endpoint.

`cloud_environment` takes what azure.azcollection users already write: a cloud name (AzureCloud,
AzureChinaCloud, AzureUSGovernment) or the HTTPS URL of a Resource Manager whose
`/metadata/endpoints` document lists the endpoints (Azure Stack Hub and private clouds work this way).
"""

from __future__ import annotations

from collections import namedtuple

from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError

Cloud = namedtuple("Cloud", "name resource_manager login_endpoint arm_audience acr_suffix known")

KNOWN_CLOUDS = {
    "AzureCloud": Cloud("AzureCloud", "https://management.azure.com", "https://login.microsoftonline.com",
                        "https://management.core.windows.net/", "azurecr.io", True),
    "AzureChinaCloud": Cloud("AzureChinaCloud", "https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn",
                             "https://management.core.chinacloudapi.cn/", "azurecr.cn", True),
    "AzureUSGovernment": Cloud("AzureUSGovernment", "https://management.usgovcloudapi.net", "https://login.microsoftonline.us",
                               "https://management.core.usgovcloudapi.net/", "azurecr.us", True),
}
# Names azure-cli, azure-identity and older azure.azcollection releases use for the same clouds.
ALIASES = {
    "azurepubliccloud": "AzureCloud", "public": "AzureCloud", "azurecloud": "AzureCloud",
    "azurechinacloud": "AzureChinaCloud", "china": "AzureChinaCloud",
    "azureusgovernment": "AzureUSGovernment", "azureusgovernmentcloud": "AzureUSGovernment", "usgov": "AzureUSGovernment",
}

METADATA_API_VERSION = "2019-05-01"


def validate_cloud_environment(value):
    """Check the option's shape before any network call; return the canonical name or the metadata base URL."""
    if value is None or value == "":
        return "AzureCloud"
    text = str(value).strip()
    if "://" in text:
        if not text.lower().startswith("https://"):
            raise AcrOpsError("cloud_environment %r must be an https:// URL: cloud endpoints are only trusted over TLS" % text)
        return text.rstrip("/")
    canonical = ALIASES.get(text.lower())
    if canonical is None:
        raise AcrOpsError("unknown cloud_environment %r: use one of %s, or the https:// URL of a Resource Manager endpoint "
                          "that serves /metadata/endpoints" % (text, ", ".join(sorted(KNOWN_CLOUDS))))
    return canonical


def metadata_url(base):
    if "/metadata/endpoints" in base:
        return base
    return "%s/metadata/endpoints?api-version=%s" % (base, METADATA_API_VERSION)


def cloud_from_metadata(document, base):
    """Build a Cloud from a metadata document (one object, or a list of clouds as newer api-versions return)."""
    if isinstance(document, list):
        matching = [d for d in document if str(d.get("resourceManager", "")).rstrip("/") == base] or document[:1]
        if not matching:
            raise AcrOpsError("the metadata document at %s lists no cloud" % base)
        document = matching[0]
    try:
        auth = document["authentication"]
        audiences = auth.get("audiences") or []
        return Cloud(
            name=document.get("name") or base,
            resource_manager=str(document.get("resourceManager") or base).rstrip("/"),
            login_endpoint=str(auth["loginEndpoint"]).rstrip("/"),
            arm_audience=audiences[0] if audiences else document.get("resourceManager", base),
            acr_suffix=str((document.get("suffixes") or {}).get("acrLoginServer", "")).lstrip("."),
            known=False,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise AcrOpsError("the metadata document at %s is not an Azure cloud description (missing %s)" % (base, exc)) from exc


def resolve_cloud(value, session):
    """Return the Cloud for a validated cloud_environment value; fetch metadata for URLs with `session`."""
    checked = validate_cloud_environment(value)
    if checked in KNOWN_CLOUDS:
        return KNOWN_CLOUDS[checked]
    url = metadata_url(checked)
    base = checked.split("/metadata/endpoints")[0]
    try:
        response = session.get(url, timeout=30)
    except Exception as exc:  # requests raises many types; all mean "unreachable"
        raise AcrOpsError("cannot read cloud metadata from %s: %s" % (url, exc),
                          hint="check cloud_environment, the network path and the CA bundle (ca_bundle or REQUESTS_CA_BUNDLE)") from exc
    if response.status_code != 200:
        raise AcrOpsError("cloud metadata at %s answered HTTP %s" % (url, response.status_code))
    try:
        document = response.json()
    except ValueError as exc:
        raise AcrOpsError("cloud metadata at %s is not JSON" % url) from exc
    return cloud_from_metadata(document, base)


def arm_scope(cloud):
    """The OAuth scope for Resource Manager tokens (ACR's token exchange accepts them unless the registry's
    azureADAuthenticationAsArmPolicy is disabled)."""
    return cloud.arm_audience.rstrip("/") + "/.default"


# ACR's own Entra audience, the one every registry's token exchange accepts (azure-containerregistry's default audience,
# az acr's; Microsoft's documentation of azureADAuthenticationAsArmPolicy names it). Sovereign clouds publish no other in
# their metadata; a cloud whose Entra does not know it (Azure Stack Hub) refuses the scope, and the run falls back to
# arm_scope (clients.DataPlaneToken).
ACR_AUDIENCE = "https://containerregistry.azure.net"


def acr_scope(cloud):  # pylint: disable=unused-argument  # one audience for every cloud known today; the cloud stays the key
    """The OAuth scope for the Entra token exchanged at a registry's /oauth2/exchange."""
    return ACR_AUDIENCE + "/.default"

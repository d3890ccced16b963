# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Azure's naming rules and the checks every module runs before its first request.

Pure: no network, no SDK import. What ends up in Resource Manager, Entra and registry URLs (registry, resource group,
subscription, tenant, login server) is checked here, so that only well-formed values leave this machine and a refusal
says what to write instead.
"""

from __future__ import annotations

import os
import re

from ansible_collections.acrops.registry.plugins.module_utils import auth, cloud as cloud_utils
from ansible_collections.acrops.registry.plugins.module_utils.errors import AcrOpsError, show

REGISTRY_ID = re.compile(
    r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.ContainerRegistry/registries/(?P<name>[^/]+)/?\Z",
    re.IGNORECASE,
)
# \Z, not $: "$" also matches before a trailing newline, and such a name must not pass.
REGISTRY_NAME = re.compile(r"^[a-zA-Z0-9]{5,50}\Z")
# Azure's naming rules: subscription IDs are GUIDs; resource group names have 1-90 letters, digits, '_', '-', '.', '(', ')'
# (Unicode letters included) and do not end with '.'; a tenant is a GUID or a domain name.
SUBSCRIPTION_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z")
RESOURCE_GROUP = re.compile(r"^[-\w.()]{0,89}[-\w()]\Z")
TENANT = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\Z")
LOGIN_SERVER = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+\Z", re.IGNORECASE)

MAX_TEXT = 1024      # no name, reference, label or username is longer (image references stop at 1024 characters too)
MAX_SECRET = 65536   # passwords and tokens: an Entra access token given as a password is a few KB
SECRET_OPTIONS = frozenset(("source_password", "secret", "password"))  # password: in source_credentials.<host>
# Control characters, and invisible ones (zero-width, bidirectional overrides): never part of a name, reference or label.
HIDDEN_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def parse_registry_id(text):
    match = REGISTRY_ID.match(text or "")
    if not match:
        return None
    return match.group("sub"), match.group("rg"), match.group("name")


def check_strings(value, path="", key=""):
    """Every string option, nested ones included: bounded length and, except secrets, no control or invisible characters.

    Checked first, so that no later message echoes a 10 MB value and nothing hostile reaches a URL or a report."""
    if isinstance(value, dict):
        for name, item in value.items():
            check_strings(item, "%s.%s" % (path, name) if path else name, name)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            check_strings(item, "%s[%d]" % (path, index), key)
    elif isinstance(value, str):
        if key in SECRET_OPTIONS:
            if len(value) > MAX_SECRET:
                raise AcrOpsError("%s is %d characters long: no password or token is longer than %d; check what the variable holds"
                                  % (path, len(value), MAX_SECRET))
            return
        if len(value) > MAX_TEXT:
            raise AcrOpsError("%s is %d characters long: no name, reference or label is longer than %d; check what the variable holds"
                              % (path, len(value), MAX_TEXT))
        bad = HIDDEN_CHARACTERS.search(value)
        if bad:
            raise AcrOpsError("%s %s contains the control or invisible character %s at position %d: remove it (names, references and "
                              "labels never contain one)" % (path, show(value), ascii(bad.group()), bad.start()))


def check_registry_name(name):
    """The registry option of every module: a registry's name, not its login server (a common mistake)."""
    if not REGISTRY_NAME.match(name or ""):
        raise AcrOpsError("registry %s is not a registry name: use the 5-50 letters and digits of its name (not the login server, "
                          "e.g. 'myregistry', not 'myregistry.azurecr.io')" % show(name or ""))


def check_source_registry(text, where):
    parsed = parse_registry_id(text)
    if parsed:
        valid = SUBSCRIPTION_ID.match(parsed[0]) and RESOURCE_GROUP.match(parsed[1]) and REGISTRY_NAME.match(parsed[2])
    elif "." in text:
        valid = LOGIN_SERVER.match(text)
    else:
        valid = REGISTRY_NAME.match(text)
    if not valid:
        raise AcrOpsError("%s %s is not a registry name, login server or resource ID: write e.g. 'devregistry', 'devregistry.azurecr.io' "
                          "or '/subscriptions/<GUID>/resourceGroups/<group>/providers/Microsoft.ContainerRegistry/registries/<name>'"
                          % (where, show(text)))


def validate_auth(params):
    """Everything about auth and the registry's location that can be checked without the network. resource_group,
    subscription_id and tenant end up in Resource Manager and Entra URLs: only well-formed values leave this machine."""
    if params.get("resource_group") is not None and not RESOURCE_GROUP.match(params["resource_group"]):
        raise AcrOpsError("resource_group %s is not a resource group name: write its 1-90 letters, digits, '_', '-', '.', '(' and ')' "
                          "(not ending with '.'), e.g. 'rg-mirror'" % show(params["resource_group"]))
    if params.get("ca_bundle") is not None and not os.path.exists(params["ca_bundle"]):
        raise AcrOpsError("ca_bundle %s does not exist: give the path of a PEM file (or a hashed directory) of the CA certificates "
                          "to trust" % show(params["ca_bundle"]))
    settings = auth.settings_from(params)
    auth.validate_settings(settings)
    cloud_utils.validate_cloud_environment(settings.cloud_environment)
    if settings.subscription_id and not SUBSCRIPTION_ID.match(settings.subscription_id):
        raise AcrOpsError("subscription_id %s is not a subscription ID: write its GUID, e.g. '00000000-0000-0000-0000-000000000000' "
                          "(az account show --query id)" % show(settings.subscription_id))
    if settings.tenant and not TENANT.match(settings.tenant):
        raise AcrOpsError("tenant %s is not a tenant: write its GUID or its domain, e.g. 'contoso.onmicrosoft.com'" % show(settings.tenant))
    return settings

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-registry network and authentication policy: what a locked-down ACR refuses, and how it says so.

Set through Resource Manager (PATCH on the registry, as registries.begin_update sends it) and the grants control;
shown in the registry's GET/list JSON under the real property names; restored by POST /_standin/reset.
Facts and their sources: docs/network.md. Shapes of the controls: docs/standin.md.
"""

import ipaddress
import json

from aiohttp import web

from . import config

FIREWALL_MESSAGE = "client with IP '%s' is not allowed access. Refer https://aka.ms/acr/firewall to grant access."
# Chosen (no published text found): the exchange's refusal of a Resource Manager-audience token when the policy is off.
ARM_TOKEN_DISABLED_MESSAGE = ("ARM audience token authentication is disabled for this registry. Request an Entra token for the "
                              "audience %s. Visit https://aka.ms/acr/authentication for more information." % config.ACR_AUDIENCE)
# The address the import service's own reads come from (an emulated Azure datacenter address, RFC 5737 documentation range).
IMPORT_SERVICE_IP = "198.51.100.24"
# The front end's page, byte for byte as regclient/regclient#797 quotes it from a real ACR.
HEADER_TOO_LARGE_HTML = ("<html>\r\n<head><title>400 Request Header Or Cookie Too Large</title></head>\r\n<body bgcolor=\"white\">\r\n"
                         "<center><h1>400 Bad Request</h1></center>\r\n<center>Request Header Or Cookie Too Large</center>\r\n"
                         "<hr><center>AzureContainerRegistry</center>\r\n</body>\r\n</html>\r\n")
# Repository roles of ABAC mode -> the data actions they allow (Microsoft's built-in role definitions).
REPOSITORY_ROLES = {
    "Container Registry Repository Reader": ("pull", "metadata_read"),
    "Container Registry Repository Writer": ("pull", "metadata_read", "push", "metadata_write"),
    "Container Registry Repository Contributor": ("pull", "metadata_read", "push", "metadata_write", "delete"),
}
ENUMS = {"publicNetworkAccess": ("Enabled", "Disabled"), "networkRuleBypassOptions": ("AzureServices", "None"),
         "roleAssignmentMode": ("LegacyRegistryPermissions", "AbacRepositoryPermissions")}


class PolicyError(ValueError):
    """A PATCH the service refuses: (code, message) for the ARM error envelope."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _canonical(name, value):
    for allowed in ENUMS[name]:
        if isinstance(value, str) and value.lower() == allowed.lower():
            return allowed
    raise PolicyError("InvalidParameter", "The value '%s' is not valid for '%s'. Allowed values: %s."
                      % (value, name, ", ".join(ENUMS[name])))


def _network_rule_set(value):
    if not isinstance(value, dict):
        raise PolicyError("InvalidParameter", "The 'networkRuleSet' parameter must be an object.")
    action = value.get("defaultAction", "Allow")
    if not isinstance(action, str) or action.lower() not in ("allow", "deny"):
        raise PolicyError("InvalidParameter", "The value '%s' is not valid for 'networkRuleSet.defaultAction'. Allowed values: "
                          "Allow, Deny." % (action,))
    rules = []
    for rule in value.get("ipRules") or []:
        text = rule.get("value") if isinstance(rule, dict) else None
        try:
            ipaddress.ip_network(str(text), strict=False)
        except ValueError:
            raise PolicyError("InvalidIpRule", "The IP rule value '%s' is not a valid IPv4 address or CIDR range." % (text,)) from None
        rules.append({"action": "Allow", "value": text})
    return {"defaultAction": "Deny" if action.lower() == "deny" else "Allow", "ipRules": rules}


class RegistryPolicy:
    """The network, token and role-assignment settings of one emulated registry."""

    def __init__(self, sku):
        self.sku = sku
        self.reset()

    def reset(self):
        self.public_network_access = "Enabled"
        self.network_rule_set = {"defaultAction": "Allow", "ipRules": []}
        self.bypass = "AzureServices"
        self.arm_tokens = "enabled"
        self.role_assignment_mode = "LegacyRegistryPermissions"
        self.grants = []   # [{"principal": object id, "repositories": [prefix], "actions": [...]}]

    # -- Resource Manager ---------------------------------------------------------------------------------------------
    def properties(self):
        """The registry properties this policy owns, as GET shows them (networkRuleSet on every SKU, as the 2025-11-01
        RegistryUpdate example shows it for a Standard registry)."""
        return {"publicNetworkAccess": self.public_network_access, "networkRuleBypassOptions": self.bypass,
                "roleAssignmentMode": self.role_assignment_mode,
                "networkRuleSet": {"defaultAction": self.network_rule_set["defaultAction"],
                                   "ipRules": [dict(r) for r in self.network_rule_set["ipRules"]]}}

    def arm_policy(self):
        return {"status": self.arm_tokens}

    def patch(self, properties):
        """Apply the `properties` of a registry PATCH (only what it names); all-or-nothing. Raises PolicyError."""
        if not isinstance(properties, dict):
            raise PolicyError("InvalidRequestContent", "The 'properties' of the registry update must be an object.")
        changes = {}
        for name, attribute in (("publicNetworkAccess", "public_network_access"), ("networkRuleBypassOptions", "bypass"),
                                ("roleAssignmentMode", "role_assignment_mode")):
            if properties.get(name) is not None:
                changes[attribute] = _canonical(name, properties[name])
        if properties.get("networkRuleSet") is not None:
            changes["network_rule_set"] = _network_rule_set(properties["networkRuleSet"])
        arm_policy = ((properties.get("policies") or {}).get("azureADAuthenticationAsArmPolicy") or {}).get("status")
        if arm_policy is not None:
            if str(arm_policy).lower() not in ("enabled", "disabled"):
                raise PolicyError("InvalidParameter", "The value '%s' is not valid for 'azureADAuthenticationAsArmPolicy.status'. "
                                  "Allowed values: enabled, disabled." % (arm_policy,))
            changes["arm_tokens"] = str(arm_policy).lower()
        restricting = changes.get("public_network_access") == "Disabled" or (
            changes.get("network_rule_set") or {}).get("defaultAction") == "Deny" or (changes.get("network_rule_set") or {}).get("ipRules")
        if restricting and self.sku != "Premium":
            # Chosen text: firewall rules and private endpoints are Premium features (Microsoft's SKU documentation).
            raise PolicyError("PremiumSkuRequired", "Network rules and disabling public network access are only supported by "
                              "registries of the Premium SKU.")
        for attribute, value in changes.items():
            setattr(self, attribute, value)

    # -- the firewall -------------------------------------------------------------------------------------------------
    def restricted(self):
        return self.public_network_access == "Disabled" or self.network_rule_set["defaultAction"] == "Deny"

    def allows(self, address):
        """Whether a client at `address` passes: public access on and (default Allow or an IP rule matching)."""
        if self.public_network_access == "Disabled":
            return False
        if self.network_rule_set["defaultAction"] == "Allow":
            return True
        try:
            client = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(client in ipaddress.ip_network(r["value"], strict=False) for r in self.network_rule_set["ipRules"])

    def import_source_problem(self, by_resource_id):
        """Why the import service cannot read this registry as a source (None: it can). The service reads with its own
        network: a restricted registry lets it in only as a trusted service, i.e. named by resource ID with bypass on."""
        if not self.restricted() or (by_resource_id and self.bypass == "AzureServices"):
            return None
        return firewall_body(IMPORT_SERVICE_IP)

    def import_target_problem(self):
        """Why the import service cannot write into this registry (None: it can): restricted without trusted services."""
        if not self.restricted() or self.bypass == "AzureServices":
            return None
        return firewall_body(IMPORT_SERVICE_IP)

    # -- tokens -------------------------------------------------------------------------------------------------------
    def refuses_audience(self, audience):
        """True when an Entra token for `audience` may not be exchanged (a Resource Manager audience, policy disabled)."""
        if self.arm_tokens != "disabled":
            return False
        wanted = (audience or "").rstrip("/")
        return any(wanted == a.rstrip("/") for a in config.ARM_AUDIENCES)

    # -- ABAC ---------------------------------------------------------------------------------------------------------
    @property
    def abac(self):
        return self.role_assignment_mode == "AbacRepositoryPermissions"

    def add_grant(self, principal, repositories, actions):
        self.grants.append({"principal": principal, "repositories": list(repositories), "actions": list(actions)})

    def granted_actions(self, principal, repository):
        """ABAC: the data actions `principal` holds on `repository` (prefix match, case-insensitive, as StringStartsWithIgnoreCase)."""
        held = set()
        for grant in self.grants:
            if grant["principal"] == principal.object_id and any(repository.lower().startswith(p.lower()) for p in grant["repositories"]):
                held.update(grant["actions"])
        return held

    def catalog_allowed(self, principal):
        return any(g["principal"] == principal.object_id and "catalog" in g["actions"] for g in self.grants)


def firewall_body(address):
    """The 403 body as the service sends it: compact JSON with the apostrophes escaped as \\u0027 (the import failure
    quoted in MicrosoftDocs/azure-docs#115975 relays it so)."""
    document = {"errors": [{"code": "DENIED", "message": FIREWALL_MESSAGE % address}]}
    return json.dumps(document, separators=(",", ":")).replace("'", "\\u0027")


def firewall_response(address):
    return web.Response(status=403, text=firewall_body(address), content_type="application/json",
                        headers={"Docker-Distribution-Api-Version": "registry/2.0"})


def header_bytes(request):
    """The request's header lines as sent: 'Name: value' plus CRLF each."""
    return sum(len(name) + len(value) + 4 for name, value in request.raw_headers)


def header_too_large(world, request):
    """The front end's 400 for oversized headers (Azure/acr#797), or None."""
    limit = int(world.settings.get("max_request_header_bytes") or 0)
    if limit <= 0 or header_bytes(request) <= limit:
        return None
    return web.Response(status=400, text=HEADER_TOO_LARGE_HTML, content_type="text/html")


def parse_grant(world, body):
    """POST /_standin/grants body -> (registry, principal, repositories, actions). Raises ValueError with the reason."""
    registry = world.registry_by_name(body.get("registry"))
    if registry is None:
        raise ValueError("unknown registry %r" % body.get("registry"))
    wanted = body.get("principal")
    principal = next((p for p in world.principals.values() if wanted in (p.name, p.client_id, p.object_id)), None)
    if principal is None:
        raise ValueError("unknown principal %r (give its name, client id or object id)" % wanted)
    repositories = body.get("repositories")
    if not isinstance(repositories, list) or not repositories or not all(isinstance(r, str) and r for r in repositories):
        raise ValueError("repositories must be a non-empty list of repository name prefixes")
    actions = list(body.get("actions") or [])
    if body.get("role"):
        if body["role"] not in REPOSITORY_ROLES:
            raise ValueError("unknown role %r (one of: %s)" % (body["role"], ", ".join(sorted(REPOSITORY_ROLES))))
        actions += REPOSITORY_ROLES[body["role"]]
    unknown = sorted(set(actions) - set(config.ALL_ACTIONS) - {"catalog"})
    if not actions or unknown:
        raise ValueError("actions must be some of %s, catalog (or give a role)" % ", ".join(config.ALL_ACTIONS))
    return registry, principal, repositories, sorted(set(actions))

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Azure Resource Manager: subscriptions, registries (get and paged lists) and the importImage long-running operation.

Every call needs an Entra token for this cloud's ARM audience. importImage answers as recorded: 202, empty body
(`null` before api-version 2023), a Location under .../locations/{REGION}/operationResults/registries-{id}, and a
retry hint (Retry-After: 10 in real mode; x-ms-retry-after-ms in the default fast mode). Polls answer 202 with a new
Location while the copy runs, then 200 {"status":"Succeeded"} or 400 InvalidParameters with the service's text.
"""

# pylint: disable=unused-argument  # route handlers share one signature (request, principal, **path params)

import base64
import hashlib
import json
import re
import time
import urllib.parse
import uuid

from . import config
from .entra import verify_entra_token
from .imports import Operation, parse_import
from .registry_policy import PolicyError
from .responses import arm_empty, arm_error, arm_json, http_date

PROVIDER = r"/providers/microsoft\.containerregistry"
ROUTES = [
    ("subscriptions", "GET", r"^/subscriptions$"),
    ("tenants", "GET", r"^/tenants$"),
    ("subscription", "GET", r"^/subscriptions/(?P<sub>[^/]+)$"),
    ("resource_groups", "GET", r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups$"),
    ("resource_group", "GET", r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)$"),
    ("resources", "GET", r"^/subscriptions/(?P<sub>[^/]+)/resources$"),
    ("registries_sub", "GET", r"^/subscriptions/(?P<sub>[^/]+)" + PROVIDER + r"/registries$"),
    ("registries_rg", "GET", r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)" + PROVIDER + r"/registries$"),
    ("registry", "GET", r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)" + PROVIDER + r"/registries/(?P<name>[^/]+)$"),
    ("registry_update", "PATCH", r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)" + PROVIDER
     + r"/registries/(?P<name>[^/]+)$"),
    ("import", "POST", r"^/subscriptions/(?P<sub>[^/]+)/resourcegroups/(?P<rg>[^/]+)" + PROVIDER
     + r"/registries/(?P<name>[^/]+)/importimage$"),
    ("operation", "GET", r"^/subscriptions/(?P<sub>[^/]+)" + PROVIDER + r"/locations/(?P<loc>[^/]+)/operationresults/(?P<op>[^/]+)$"),
]
COMPILED = [(name, method, re.compile(pattern, re.IGNORECASE)) for name, method, pattern in ROUTES]
SUPPORTED_VERSIONS = ("2017-10-01, 2019-05-01, 2019-12-01-preview, 2020-11-01-preview, 2021-06-01-preview, 2021-08-01-preview, "
                      "2021-09-01, 2021-12-01-preview, 2022-02-01-preview, 2022-12-01, 2023-01-01-preview, 2023-06-01-preview, "
                      "2023-07-01, 2023-08-01-preview, 2023-11-01-preview, 2024-01-01-preview, 2024-11-01-preview, 2025-03-01-preview, "
                      "2025-04-01, 2025-05-01-preview, 2025-06-01-preview, 2025-09-01-preview, 2025-11-01, 2025-12-01-preview, "
                      "2026-01-01-preview, 2026-03-01-preview")


def match_route(method, path):
    """Return (route name, params, method_ok) or (None, None, False)."""
    found = None
    for name, route_method, regex in COMPILED:
        matched = regex.match(path)
        if matched:
            if route_method == method:
                return name, matched.groupdict(), True
            found = (name, matched.groupdict(), False)
    return found or (None, None, False)


def authorization_failed(principal, action, scope):
    """Resource Manager's 403 for a principal without the action's role (text as recorded)."""
    return arm_error(403, "AuthorizationFailed",
                     "The client '%s' with object id '%s' does not have authorization to perform action '%s' over scope '%s' "
                     "or the scope is invalid. If access was recently granted, please refresh your credentials."
                     % (principal.client_id, principal.object_id, action, scope))


class Arm:
    def __init__(self, world, importer):
        self.world = world
        self.importer = importer

    # -- authentication -------------------------------------------------------------------------------------------
    def _challenge(self, request, description):
        return {"WWW-Authenticate": 'Bearer authorization_uri="https://%s/", error="invalid_token", error_description="%s"'
                % (request.host, description)}

    def authenticate(self, request):
        """Return (principal, error response) for the Authorization header of an ARM call."""
        header = request.headers.get("Authorization", "")
        if not header:
            return None, arm_error(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.",
                                   self._challenge(request, "The authentication failed because of missing 'Authorization' header."))
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None, arm_error(401, "AuthenticationFailed",
                                   "Authentication failed. The 'Authorization' header is provided in an invalid format.",
                                   self._challenge(request, "The authentication failed because of an invalid 'Authorization' header."))
        principal, claims, problem = verify_entra_token(self.world, token.strip(), config.ARM_AUDIENCES)
        if problem == "expired":
            return None, arm_error(401, "ExpiredAuthenticationToken", "The access token expiry UTC time '%s' is earlier than current "
                                   "UTC time '%s'." % (http_date(claims["exp"]), http_date(self.world.clock())),
                                   self._challenge(request, "The access token has expired."))
        if problem == "audience":
            allowed = ",".join("'%s','%s'" % (a, a.rstrip("/")) for a in config.ARM_AUDIENCES)
            return None, arm_error(401, "InvalidAuthenticationTokenAudience", "The access token has been obtained for wrong audience "
                                   "or resource '%s'. It should exactly match with one of the allowed audiences %s."
                                   % (claims.get("aud"), allowed), self._challenge(request, "The access token has an invalid audience."))
        if problem:
            return None, arm_error(401, "InvalidAuthenticationToken", "The access token is invalid.",
                                   self._challenge(request, "The access token is invalid."))
        return principal, None

    # -- dispatch -------------------------------------------------------------------------------------------------
    async def handle(self, request, path):
        self.world.counters.arm_requests += 1
        name, params, method_ok = match_route(request.method, path)
        principal, problem = self.authenticate(request)
        if problem is not None:
            return problem
        if "api-version" not in request.query:
            return arm_error(400, "MissingApiVersionParameter",
                             "The api-version query parameter (?api-version=) is required for all requests.")
        if name is None:
            return arm_error(404, "NotFound", "The requested resource path '%s' is not served by this Resource Manager." % path)
        if not method_ok:
            return arm_error(405, "MethodNotAllowed", "The requested method '%s' is not allowed on '%s'." % (request.method, path))
        request["route"] = "arm:" + name
        if "sub" in params:
            if self.world.subscription_key(params["sub"]) is None:
                return arm_error(404, "SubscriptionNotFound", "The subscription '%s' could not be found." % params["sub"])
        return await getattr(self, "_" + name)(request, principal, **params)

    # -- subscriptions and groups ---------------------------------------------------------------------------------
    def _subscription_body(self, key):
        sub = self.world.subscriptions[key]
        return {"id": "/subscriptions/%s" % sub, "authorizationSource": "RoleBased", "managedByTenants": [],
                "subscriptionId": sub, "tenantId": self.world.tenant_id, "displayName": "standin-%s" % key, "state": "Enabled",
                "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01",
                                         "spendingLimit": "Off"}}

    async def _subscriptions(self, request, principal):
        subs = [self._subscription_body(k) for k in sorted(self.world.subscriptions)]
        return arm_json({"value": subs, "count": {"type": "Total", "value": len(subs)}})

    async def _tenants(self, request, principal):
        return arm_json({"value": [{"id": "/tenants/%s" % self.world.tenant_id, "tenantId": self.world.tenant_id,
                                    "tenantCategory": "Home", "displayName": "StandIn", "defaultDomain": "standin.test"}]})

    async def _subscription(self, request, principal, sub):
        return arm_json(self._subscription_body(self.world.subscription_key(sub)))

    def _groups(self, sub):
        key = self.world.subscription_key(sub)
        return sorted({r.resource_group for r in self.world.registries.values() if r.sub_key == key})

    def _group_body(self, sub, group):
        location = next(r.location for r in self.world.registries.values() if r.resource_group == group)
        return {"id": "/subscriptions/%s/resourceGroups/%s" % (sub, group), "name": group, "type": "Microsoft.Resources/resourceGroups",
                "location": location, "properties": {"provisioningState": "Succeeded"}}

    def _find_group(self, sub, rg):
        return next((g for g in self._groups(sub) if g.lower() == rg.lower()), None)

    async def _resource_groups(self, request, principal, sub):
        return arm_json({"value": [self._group_body(sub, g) for g in self._groups(sub)]})

    async def _resource_group(self, request, principal, sub, rg):
        group = self._find_group(sub, rg)
        if group is None:
            return arm_error(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % rg)
        return arm_json(self._group_body(sub, group))

    # -- registries -----------------------------------------------------------------------------------------------
    def _registries_in(self, sub, rg=None):
        key = self.world.subscription_key(sub)
        found = [r for r in self.world.registries.values() if r.sub_key == key and (rg is None or r.resource_group.lower() == rg.lower())]
        return sorted(found, key=lambda r: r.name)

    def _paged(self, request, items):
        """One page of `value`, with an absolute nextLink carrying $skipToken, as ARM pages lists."""
        size = max(1, int(self.world.settings["page_size"]))
        try:
            start = int(request.query.get("$skipToken", "0"))
        except ValueError:
            return arm_error(400, "InvalidSkipToken", "The skip token is invalid.")
        page = {"value": [item.resource() for item in items[start:start + size]]}
        if start + size < len(items):
            query = [(k, v) for k, v in request.query.items() if k != "$skipToken"] + [("$skipToken", str(start + size))]
            page["nextLink"] = "https://%s%s?%s" % (request.host, request.path, urllib.parse.urlencode(query, safe="$"))
        return arm_json(page)

    async def _registries_sub(self, request, principal, sub):
        return self._paged(request, self._registries_in(sub))

    async def _registries_rg(self, request, principal, sub, rg):
        if self._find_group(sub, rg) is None:
            return arm_error(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % rg)
        return self._paged(request, self._registries_in(sub, rg))

    async def _resources(self, request, principal, sub):
        wanted = request.query.get("$filter", "")
        items = self._registries_in(sub)
        if wanted and "microsoft.containerregistry/registries" not in wanted.lower():
            items = []
        return arm_json({"value": [r.generic_resource() for r in items]})

    def _find_registry(self, sub, rg, name):
        """Return (registry, error response)."""
        if self._find_group(sub, rg) is None:
            return None, arm_error(404, "ResourceGroupNotFound", "Resource group '%s' could not be found." % rg)
        registry = next((r for r in self._registries_in(sub, rg) if r.name.lower() == name.lower()), None)
        if registry is None:
            return None, arm_error(404, "ResourceNotFound", "The Resource 'Microsoft.ContainerRegistry/registries/%s' under resource "
                                   "group '%s' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"
                                   % (name, rg))
        return registry, None

    async def _registry(self, request, principal, sub, rg, name):
        registry, problem = self._find_registry(sub, rg, name)
        return problem or arm_json(registry.resource())

    async def _registry_update(self, request, principal, sub, rg, name):
        """PATCH (registries.begin_update): the network, token and role-assignment settings; 200 with the registry."""
        registry, problem = self._find_registry(sub, rg, name)
        if problem:
            return problem
        if not principal.can_import:
            return authorization_failed(principal, "Microsoft.ContainerRegistry/registries/write", registry.id)
        try:
            body = json.loads((await request.read()).decode("utf-8") or "{}")
        except ValueError as exc:
            return arm_error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: '%s'." % exc)
        try:
            registry.policy.patch((body or {}).get("properties") or {})
        except PolicyError as exc:
            return arm_error(400, exc.code, str(exc))
        return arm_json(registry.resource())

    # -- importImage ----------------------------------------------------------------------------------------------
    def _retry_headers(self):
        retry_after = self.world.settings.get("retry_after")
        if retry_after is not None:
            return {"Retry-After": str(retry_after)}
        return {"x-ms-retry-after-ms": str(int(self.world.settings["retry_after_ms"]))}

    def _location(self, request, operation, api_version):
        ticks = int((time.time() + 62135596800) * 10 ** 7)
        digest = hashlib.sha256(("%s|%s" % (operation.name, ticks)).encode()).digest()
        signature = urllib.parse.quote(base64.urlsafe_b64encode(digest).decode().rstrip("="))
        return ("https://%s/subscriptions/%s/providers/Microsoft.ContainerRegistry/locations/%s/operationResults/%s"
                "?api-version=%s&t=%d&h=%s" % (request.host, operation.registry.subscription_id, operation.registry.location.upper(),
                                               operation.name, urllib.parse.quote(api_version, safe=""), ticks, signature))

    async def _import(self, request, principal, sub, rg, name):
        self.world.counters.import_calls += 1
        registry, problem = self._find_registry(sub, rg, name)
        if problem:
            return problem
        if not principal.can_import:
            return authorization_failed(principal, "Microsoft.ContainerRegistry/registries/importImage/action", registry.id)
        raw = await request.read()
        try:
            body = json.loads(raw.decode("utf-8") or "null")
        except ValueError as exc:
            return arm_error(400, "InvalidRequestContent", "The request content was invalid and could not be deserialized: '%s'." % exc)
        parsed, message = parse_import(body)
        if message:
            return arm_error(400, "InvalidParameters", message)
        api_version = request.query["api-version"]
        op_id = request.headers.get("x-ms-client-request-id") or str(uuid.uuid4())
        if "registries-" + op_id in self.world.operations:
            op_id = str(uuid.uuid4())
        operation = Operation(op_id, registry, parsed, principal)
        self.world.operations[operation.name] = operation
        self.importer.start(operation)
        headers = {"Location": self._location(request, operation, api_version), "api-supported-versions": SUPPORTED_VERSIONS,
                   "x-ms-ratelimit-remaining-subscription-writes": "799"}
        headers.update(self._retry_headers())
        if api_version < "2023-01-01":
            # Older api-versions answered a JSON null body (recordings 2017-10-01 .. 2022-02-01-preview).
            return arm_json(None, 202, headers)
        return arm_empty(202, headers)

    async def _operation(self, request, principal, sub, loc, op):
        operation = self.world.operations.get(op)
        if operation is None or operation.registry.subscription_id.lower() != sub.lower():
            return arm_error(404, "OperationNotFound", "The operation '%s' could not be found." % op)
        api_version = request.query["api-version"]
        if operation.status == "Succeeded":
            return arm_json({"status": "Succeeded"})
        if operation.status == "Failed":
            return arm_error(400, "InvalidParameters", operation.failure_message())
        headers = {"Location": self._location(request, operation, api_version)}
        headers.update(self._retry_headers())
        body = {"status": "Accepted"}
        first = operation.request.first_target()
        names_no_tag = "2023-" <= api_version < "2025-"
        if first and not names_no_tag:
            # 2017-10-01 and 2026 polls name the first target tag; the 2023/2024 recordings do not.
            body = {first: "Pending", "status": "Accepted"}
        return arm_json(body, 202, headers)

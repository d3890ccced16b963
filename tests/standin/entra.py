# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Entra ID (the token service): OpenID discovery and the client-credentials token endpoint, v1 and v2.

Shapes and error texts follow the recorded login.microsoftonline.com answers: a wrong secret is a 401
AADSTS7000215, an unknown client a 400 AADSTS700016, an unknown resource a 400 AADSTS500011.
"""

import datetime
import uuid

from . import config
from .responses import json_response

CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TENANT_ALIASES = ("common", "organizations")


def _error(status, error, code, description, world):
    now = datetime.datetime.now(datetime.timezone.utc)
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    text = "AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s" % (code, description, trace, correlation,
                                                                           now.strftime("%Y-%m-%d %H:%M:%SZ"))
    world.counters.token_requests["entra_failed"] += 1
    return json_response({"error": error, "error_description": text, "error_codes": [code],
                          "timestamp": now.strftime("%Y-%m-%d %H:%M:%SZ"), "trace_id": trace, "correlation_id": correlation,
                          "error_uri": "https://login.microsoftonline.com/error?code=%d" % code}, status)


def known_tenant(world, tenant):
    return tenant in (world.tenant_id,) + TENANT_ALIASES


def resource_of(scope_or_resource):
    """'https://management.standin.test//.default' -> 'https://management.standin.test' (compare without the slash)."""
    text = (scope_or_resource or "").strip()
    if text.endswith("/.default"):
        text = text[: -len("/.default")]
    return text.rstrip("/")


def accepted_resources(world=None):
    """The resources this tenant issues tokens for. Setting entra_unknown_resources removes some, as a cloud without ACR's
    own audience (Azure Stack Hub, a private cloud) answers AADSTS500011 for https://containerregistry.azure.net."""
    unknown = {resource_of(r) for r in (world.settings.get("entra_unknown_resources") or [])} if world is not None else set()
    return ({resource_of(a) for a in config.ARM_AUDIENCES} | {resource_of(config.ACR_AUDIENCE)}) - unknown


def openid_configuration(request, world, tenant, version):
    if not known_tenant(world, tenant):
        return _error(400, "invalid_tenant", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID "
                      "and are signing into the correct cloud." % tenant, world)
    base = "https://%s/%s" % (request.host, tenant)
    suffix = "/v2.0" if version == 2 else ""
    oauth = "%s/oauth2%s" % (base, suffix)
    return json_response({
        "token_endpoint": "%s/token" % oauth,
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": "%s/discovery%s/keys" % (base, suffix),
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": "https://%s/%s%s" % (request.host, world.tenant_id, suffix),
        "request_uri_parameter_supported": False,
        "authorization_endpoint": "%s/authorize" % oauth,
        "device_authorization_endpoint": "%s/devicecode" % oauth,
        "end_session_endpoint": "%s/logout" % oauth,
        "tenant_region_scope": "NA",
        "cloud_instance_name": "standin.test",
        "cloud_graph_host_name": "graph.standin.test",
        "msgraph_host": "graph.standin.test",
    })


def instance_discovery(request):
    """MSAL's /common/discovery/instance, for clients that do not disable instance discovery."""
    host = request.host
    return json_response({"tenant_discovery_endpoint": "https://%s/common/.well-known/openid-configuration" % host,
                          "api-version": "1.1",
                          "metadata": [{"preferred_network": host, "preferred_cache": host, "aliases": [host]}]})


def _authenticate_client(form, world, tenant):
    """Return (principal, error response)."""
    client_id = form.get("client_id", "")
    principal = world.principal_by_client_id(client_id)
    if principal is None:
        return None, _error(400, "unauthorized_client", 700016,
                            "Application with identifier '%s' was not found in the directory '%s'. This can happen if the "
                            "application has not been installed by the administrator of the tenant or consented to by any user "
                            "in the tenant. You may have sent your authentication request to the wrong tenant." % (client_id, tenant),
                            world)
    if "client_assertion" in form:
        if form.get("client_assertion_type") != JWT_BEARER or form.get("client_assertion") != principal.federated_token:
            return None, _error(401, "invalid_client", 700213,
                                "No matching federated identity record found for presented assertion subject. Check your "
                                "federated identity credential Subject, Audience and Issuer against the presented assertion.",
                                world)
        return principal, None
    if form.get("client_secret", "") != principal.secret:
        return None, _error(401, "invalid_client", 7000215,
                            "Invalid client secret provided. Ensure the secret being sent in the request is the client secret "
                            "value, not the client secret ID, for a secret added to app '%s'." % client_id, world)
    return principal, None


async def token(request, world, tenant, version):
    if request.method != "POST":
        return _error(405, "invalid_request", 900561, "The endpoint only accepts POST requests.", world)
    if not known_tenant(world, tenant):
        return _error(400, "invalid_request", 90002, "Tenant '%s' not found. Check to make sure you have the correct tenant ID "
                      "and are signing into the correct cloud." % tenant, world)
    form = await request.post()
    world.counters.token_requests["entra"] += 1
    if form.get("grant_type") != CLIENT_CREDENTIALS:
        return _error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '%s'."
                      % form.get("grant_type", ""), world)
    principal, problem = _authenticate_client(form, world, tenant)
    if problem is not None:
        return problem
    if version == 2:
        wanted = [s for s in (form.get("scope") or "").split() if s not in ("openid", "profile", "offline_access")]
        requested = wanted[0] if len(wanted) == 1 else ""
    else:
        requested = form.get("resource", "")
    resource = resource_of(requested)
    if not requested or resource not in accepted_resources(world):
        return _error(400, "invalid_scope" if version == 2 else "invalid_resource", 500011,
                      "The resource principal named %s was not found in the tenant named %s. This can happen if the "
                      "application has not been installed by the administrator of the tenant or consented to by any user "
                      "in the tenant. You might have sent your authentication request to the wrong tenant."
                      % (requested or "<none>", world.tenant_id), world)
    lifetime = int(world.settings["entra_token_lifetime"])
    # aud is the resource as asked for, with its trailing slash when it was given one (as Entra does).
    audience = requested[: -len(".default")] if requested.endswith("/.default") else requested
    audience = audience[:-1] if audience.endswith("//") else audience
    claims = {"aud": audience, "iss": "https://sts.standin.test/%s/" % world.tenant_id, "appid": principal.client_id,
              "appidacr": "1", "idtyp": "app", "oid": principal.object_id, "sub": principal.object_id,
              "tid": world.tenant_id, "ver": "1.0", "typ": "entra"}
    access_token = world.signer.issue(claims, lifetime)
    body = {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": access_token}
    if version == 1:
        now = int(world.clock())
        body.update({"expires_on": str(now + lifetime), "not_before": str(now), "resource": requested})
        body["expires_in"] = str(lifetime)
        body["ext_expires_in"] = str(lifetime)
    return json_response(body, headers={"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"})


def verify_entra_token(world, token_text, audiences):
    """Return (principal, claims, problem) where problem is None, 'invalid', 'expired' or 'audience'."""
    claims, problem = world.signer.verify(token_text)
    if claims is None or claims.get("typ") != "entra":
        return None, claims, "invalid"
    principal = world.principal_by_client_id(claims.get("appid"))
    if principal is None:
        return None, claims, "invalid"
    if problem:
        return principal, claims, problem
    if resource_of(claims.get("aud")) not in {resource_of(a) for a in audiences}:
        return principal, claims, "audience"
    return principal, claims, None

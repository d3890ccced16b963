# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTTPS front: one aiohttp listener that dispatches on the Host header (port stripped).

A middleware wraps every request: it applies test faults, tells the client under test ("controller") from the
stand-in's own copier ("acr-import"), counts requests and bytes, and writes the masked request log.
"""

import asyncio
import logging
import time
import urllib.parse

from aiohttp import web

from . import config, entra, metadata, registry_policy
from .controls_state import auth_fingerprint, mask_body, mask_header, mask_query
from .responses import json_response, registry_error

LOG = logging.getLogger("standin.app")
LOGGED_HEADERS = ("Authorization", "Content-Type", "Accept", "x-ms-client-request-id", "User-Agent", "Range")


class ConnectionReset(Exception):
    """Raised after a fault aborted the transport: there is no response to send."""


def decoded_path(request):
    """The path with percent-escapes decoded (the SDK sends library%2Fnginx), query removed."""
    return urllib.parse.unquote(request.rel_url.raw_path)


def request_host(request):
    return (request.host or "").rsplit(":", 1)[0].lower() if not (request.host or "").startswith("[") else request.host.lower()


class Front:
    def __init__(self, world, arm, dataplane, fronts, controls):
        self.world = world
        self.arm = arm
        self.dataplane = dataplane
        self.fronts = fronts
        self.controls = controls

    def client_of(self, request):
        return "acr-import" if request.headers.get("X-Standin-Client") == self.world.internal_client_key else "controller"

    @web.middleware
    async def middleware(self, request, handler):  # pylint: disable=unused-argument  # dispatch is ours, not aiohttp's router
        started = time.monotonic()
        host = request_host(request)
        path = decoded_path(request)
        client = self.client_of(request)
        body_for_log = None
        loggable = "x-www-form-urlencoded" in request.content_type or "json" in request.content_type
        if request.method in ("POST", "PUT", "PATCH") and loggable and not path.startswith("/v2/"):
            raw = await request.read()
            body_for_log = mask_body(request.content_type, raw)
        response = None
        status = None
        try:
            rule = self.world.faults.match(host, request.method, path, client)
            if rule is not None and rule.delay:
                await asyncio.sleep(rule.delay)
            if rule is not None and rule.action == "hold-request":
                while rule in self.world.faults.rules:  # not served until the test removes the rule
                    await asyncio.sleep(0.02)
            if rule is not None and rule.action == "reset":
                if request.transport is not None:
                    request.transport.abort()
                raise ConnectionReset()
            if rule is not None and rule.action == "status":
                request["route"] = request.get("route", "fault")
                response = self._fault_response(rule)
            else:
                response = await self.dispatch(request, host, path, client)
            if rule is not None and rule.action == "hold" and response.status < 300:
                while rule in self.world.faults.rules:  # answered, but the answer waits until the test removes the rule
                    await asyncio.sleep(0.02)
            status = response.status
            return response
        except ConnectionReset:
            status = "reset"
            raise web.HTTPBadRequest() from None  # never sent: the transport is gone
        finally:
            self._record(request, host, path, client, response, status, started, body_for_log)

    def _fault_response(self, rule):
        body = rule.body
        if isinstance(body, (dict, list)):
            response = json_response(body, rule.status, rule.headers)
        else:
            response = web.Response(status=rule.status, text=body or "", headers=rule.headers)
        return response

    def _record(self, request, host, path, client, response, status, started, body_for_log):
        # pylint: disable=too-many-arguments
        route = request.get("route", path)
        if route.startswith("control:"):
            return  # the test's own bookkeeping is not traffic
        counters = self.world.counters
        counters.requests["%s %s %s" % (host, request.method, route)] += 1
        counters.client_requests["%s %s %s %s" % (client, host, request.method, route)] += 1
        if response is not None and not request.get("bytes_counted"):
            sent = response.body_length if response.prepared else len(response.body or b"")
            counters.add_bytes(host, client, sent + (request.content_length or 0))
        headers = {name: mask_header(name, request.headers[name]) for name in LOGGED_HEADERS if name in request.headers}
        self.world.log.add({"time": time.time(), "client": client, "host": host, "method": request.method, "path": path,
                            "query": mask_query(request.query_string), "route": route, "status": status,
                            "ms": round((time.monotonic() - started) * 1000, 1), "headers": headers, "body": body_for_log,
                            "auth": auth_fingerprint(request.headers.get("Authorization"))})

    async def dispatch(self, request, host, path, client):
        if host in config.MANAGEMENT_HOSTS:
            return await self.management(request, path)
        registry = self.world.registry_by_login(host)
        source = self.world.source_by_host(host) if registry is None else None
        if registry is not None or (source is not None and source.key != "private"):
            too_large = registry_policy.header_too_large(self.world, request)
            if too_large is not None:
                request["route"] = "front:header-too-large"
                return too_large
        if registry is not None:
            # The import service's own reads pass the front: the copier applies the source rules (trusted services).
            if client == "controller" and not registry.policy.allows(request.remote or ""):
                request["route"] = "acr:firewall"
                return registry_policy.firewall_response(request.remote or "")
            return await self.dataplane.handle(request, registry, path, client)
        if source is not None and source.key != "private":
            return await self.fronts.handle(request, source, path, client)
        request["route"] = "unknown-host"
        return registry_error(421, "MISDIRECTED", "the stand-in does not serve host '%s'" % host)

    async def management(self, request, path):
        parts = [p for p in path.split("/") if p]
        if path.startswith("/_standin"):
            return await self.controls.handle(request, path)
        if path == "/metadata/endpoints":
            request["route"] = "metadata"
            return metadata.endpoints(request)
        if parts[:1] in (["subscriptions"], ["tenants"]):
            return await self.arm.handle(request, path.rstrip("/"))
        if len(parts) >= 2 and parts[1] in (".well-known", "v2.0", "oauth2", "discovery"):
            return await self.entra(request, parts)
        request["route"] = "management:other"
        return json_response({"error": {"code": "NotFound", "message": "No route for %s" % path}}, 404)

    async def entra(self, request, parts):
        tenant, rest = parts[0], "/".join(parts[1:])
        request["route"] = "entra:/{tenant}/" + rest
        if rest == "v2.0/.well-known/openid-configuration":
            return entra.openid_configuration(request, self.world, tenant, 2)
        if rest == ".well-known/openid-configuration":
            return entra.openid_configuration(request, self.world, tenant, 1)
        if rest == "oauth2/v2.0/token":
            return await entra.token(request, self.world, tenant, 2)
        if rest == "oauth2/token":
            return await entra.token(request, self.world, tenant, 1)
        if tenant == "common" and rest == "discovery/instance":
            return entra.instance_discovery(request)
        return json_response({"error": "invalid_request", "error_description": "AADSTS90012: unknown endpoint /%s" % rest}, 404)


def build_app(front):
    app = web.Application(middlewares=[front.middleware], client_max_size=64 * 1024 * 1024)

    async def unreachable(request):  # pragma: no cover - the middleware answers everything
        raise web.HTTPNotFound()

    app.router.add_route("*", "/{tail:.*}", unreachable)
    return app

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test controls under {arm_endpoint}/_standin (loopback only, JSON): reset, counters, faults, import behaviour,
settings, clock skew, the request log and the list of import operations."""

# pylint: disable=unused-argument  # control handlers share one signature (request, body)

import asyncio
import ipaddress
import json

from .responses import json_response
from .registry_policy import parse_grant
from .sources import describe_limits


class Controls:
    def __init__(self, world, fronts):
        self.world = world
        self.fronts = fronts

    async def handle(self, request, path):
        remote = request.remote or ""
        try:
            if not ipaddress.ip_address(remote).is_loopback:
                return json_response({"error": "controls answer loopback clients only"}, 403)
        except ValueError:
            return json_response({"error": "controls answer loopback clients only"}, 403)
        name = path[len("/_standin"):].strip("/").replace("-", "_") or "index"
        handler = getattr(self, "_%s_%s" % (request.method.lower(), name), None)
        request["route"] = "control:/%s" % name
        if handler is None:
            return json_response({"error": "no control %s %s" % (request.method, path)}, 404)
        body = {}
        if request.method in ("POST", "PUT"):
            raw = await request.read()
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return json_response({"error": "body must be JSON"}, 400)
        try:
            return json_response(await handler(request, body), dumps_kwargs={"indent": 1, "sort_keys": True})
        except (ValueError, TypeError, KeyError) as exc:
            return json_response({"error": str(exc)}, 400)

    async def _get_index(self, request, body):
        return {"controls": ["POST reset", "GET counters", "GET|POST|DELETE faults", "GET|POST import-behaviour", "GET|POST settings",
                             "POST time-skew", "GET log", "GET operations",
                             "GET|POST|DELETE grants"]}

    async def _post_reset(self, request, body):
        """Back to a clean slate between tests: running imports (cancelled: a test that failed while one was held must not
        leave it running into the next) and the operation list, counters, faults (held requests are let go), behaviour, log,
        clock, settings, rate limits, and the emulated registries' contents (repositories, tag and manifest attributes such
        as locks, the referrers index). {"storage": false} keeps the registries' contents: a test that forgets its own
        counters between two runs against the same images. Sources are fixtures pushed by the tests under unique names; they
        stay."""
        world = self.world
        running = [op.task for op in world.operations.values() if op.task is not None and not op.task.done()]
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
        world.operations.clear()
        if body.get("storage", True):
            for registry in world.registries.values():
                registry.clear()
        world.counters.reset()
        world.faults.set([])
        world.behaviour.reset()
        world.log.clear()
        world.clock.skew = 0.0
        world.settings.clear()
        world.settings.update(world.initial_settings)
        self.fronts.reset()
        for registry in world.registries.values():
            registry.policy.reset()
        return {"reset": True}

    async def _get_counters(self, request, body):
        snapshot = self.world.counters.snapshot()
        snapshot["dockerhub_pulls"] = describe_limits(self.fronts)
        return snapshot

    async def _get_faults(self, request, body):
        return {"rules": [rule.describe() for rule in self.world.faults.rules]}

    async def _post_faults(self, request, body):
        rules = body.get("rules", [])
        if not isinstance(rules, list):
            raise ValueError("rules must be a list")
        self.world.faults.set(rules)
        return await self._get_faults(request, body)

    async def _delete_faults(self, request, body):
        self.world.faults.set([])
        return {"rules": []}

    async def _get_import_behaviour(self, request, body):
        return self.world.behaviour.snapshot()

    async def _post_import_behaviour(self, request, body):
        self.world.behaviour.apply(body)
        return self.world.behaviour.snapshot()

    async def _get_settings(self, request, body):
        return dict(self.world.settings)

    async def _post_settings(self, request, body):
        self.world.settings.apply(body)
        return dict(self.world.settings)

    async def _post_time_skew(self, request, body):
        self.world.clock.skew = float(body.get("seconds", 0))
        return {"seconds": self.world.clock.skew}

    async def _get_log(self, request, body):
        since = int(request.query.get("since", "0"))
        return {"entries": self.world.log.since(since)}

    async def _get_grants(self, request, body):
        """ABAC repository grants, per registry (each principal by object id)."""
        return {"grants": {name: list(r.policy.grants) for name, r in self.world.registries.items() if r.policy.grants}}

    async def _post_grants(self, request, body):
        registry, principal, repositories, actions = parse_grant(self.world, body)
        registry.policy.add_grant(principal.object_id, repositories, actions)
        return await self._get_grants(request, body)

    async def _delete_grants(self, request, body):
        for registry in self.world.registries.values():
            registry.policy.grants = []
        return {"grants": {}}

    async def _get_operations(self, request, body):
        return {"operations": [op.describe() for op in self.world.operations.values()]}

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Relay a request to a distribution storage process and stream the answer back.

Bodies are streamed both ways (never buffered), percent-decoded paths are re-quoted for storage, and the headers a
registry client relies on (Docker-Content-Digest, Content-Type, Content-Length, Location, Link, Range...) are kept.
"""

import urllib.parse

from aiohttp import web

FORWARD_REQUEST_HEADERS = ("Accept", "Content-Type", "Content-Length", "Content-Range", "Range", "If-None-Match", "If-Match")
KEEP_RESPONSE_HEADERS = ("Content-Type", "Content-Length", "Docker-Content-Digest", "Docker-Distribution-Api-Version", "Location",
                         "Link", "Range", "Content-Range", "Docker-Upload-UUID", "ETag", "Accept-Ranges", "Cache-Control", "Last-Modified")
CHUNK = 1 << 16


def storage_url(base, path, query=""):
    url = base.rstrip("/") + urllib.parse.quote(path, safe="/:@")
    return url + ("?" + query if query else "")


async def relay(request, world, base, path, *, client, host, extra_headers=None, on_done=None):
    """Send request's method/body to base+path, stream the answer back; count bytes both ways for (host, client)."""
    headers = {name: request.headers[name] for name in FORWARD_REQUEST_HEADERS if name in request.headers}
    counted = {"in": 0}
    data = None
    if request.method in ("PUT", "POST", "PATCH") and request.can_read_body:
        async def body():
            async for chunk in request.content.iter_chunked(CHUNK):
                counted["in"] += len(chunk)
                yield chunk
        data = body()
    elif request.method in ("PUT", "POST", "PATCH"):
        headers["Content-Length"] = "0"
    async with world.http.request(request.method, storage_url(base, path, request.query_string), headers=headers, data=data,
                                  allow_redirects=False) as upstream:
        response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
        for name in KEEP_RESPONSE_HEADERS:
            if name in upstream.headers:
                response.headers[name] = upstream.headers[name]
        for name, value in (extra_headers or {}).items():
            response.headers[name] = value
        if on_done is not None:
            on_done(upstream)
        if "Content-Length" in upstream.headers:
            response.content_length = int(upstream.headers["Content-Length"])
        await response.prepare(request)
        sent = 0
        if request.method != "HEAD":
            async for chunk in upstream.content.iter_chunked(CHUNK):
                sent += len(chunk)
                await response.write(chunk)
        await response.write_eof()
    world.counters.add_bytes(host, client, counted["in"])
    request["bytes_counted"] = True
    world.counters.add_bytes(host, client, sent)
    return response

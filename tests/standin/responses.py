# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Response helpers shared by every role: JSON bodies, ARM error bodies, registry error bodies, timestamps."""

import datetime
import json
import uuid

from aiohttp import web

JSON_TYPE = "application/json; charset=utf-8"
ARM_HEADERS = {"Cache-Control": "no-cache", "Pragma": "no-cache", "Expires": "-1", "X-Content-Type-Options": "nosniff",
               "Strict-Transport-Security": "max-age=31536000; includeSubDomains"}


def json_response(obj, status=200, headers=None, dumps_kwargs=None):
    body = json.dumps(obj, **(dumps_kwargs or {"separators": (",", ":")})).encode("utf-8")
    response = web.Response(body=body, status=status, headers=headers or {})
    response.headers["Content-Type"] = JSON_TYPE
    return response


def arm_headers(extra=None):
    request_id = str(uuid.uuid4())
    headers = dict(ARM_HEADERS)
    headers.update({"x-ms-request-id": request_id, "x-ms-correlation-request-id": request_id,
                    "x-ms-routing-request-id": "STANDIN:%s:%s" % (datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
                                                                  request_id)})
    headers.update(extra or {})
    return headers


def arm_json(obj, status=200, headers=None):
    return json_response(obj, status, arm_headers(headers))


def arm_empty(status, headers=None):
    """An ARM answer with no body at all (Content-Length: 0, no Content-Type), as importImage's 202."""
    return web.Response(status=status, headers=arm_headers(headers))


def arm_error(status, code, message, headers=None):
    """The ARM error envelope: {"error": {"code", "message"}}."""
    return json_response({"error": {"code": code, "message": message}}, status, arm_headers(headers))


def registry_error(status, code, message, detail=None, headers=None):
    """The distribution error envelope: {"errors": [{"code", "message", "detail"}]}."""
    return json_response({"errors": [{"code": code, "message": message, "detail": detail}]}, status, headers)


def iso_now(when=None):
    """ACR's timestamp shape: 7 fractional digits and a Z, e.g. 2021-12-31T00:09:05.5439999Z."""
    moment = when or datetime.datetime.now(datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0Z"


def http_date(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%m/%d/%Y %I:%M:%S %p").lstrip("0")

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the test controls change or read: settings, counters, faults, import behaviour, the request log.

The request log never holds a secret: Authorization headers, client secrets, passwords and tokens (in query
strings, forms and JSON bodies) are masked before an entry is stored.
"""

import base64
import binascii
import collections
import hashlib
import json
import re
import time
import urllib.parse

from .config import DEFAULTS

SECRET_KEYS = {"authorization", "client_secret", "client_assertion", "password", "access_token", "refresh_token", "token",
               "assertion", "secret", "x-ms-authorization-auxiliary", "code", "proxy-authorization"}
MASK = "***"


def is_secret_key(key):
    return str(key).lower() in SECRET_KEYS


def mask_header(name, value):
    if name.lower() in ("authorization", "proxy-authorization", "x-ms-authorization-auxiliary"):
        scheme = value.split(" ", 1)[0] if " " in value else ""
        return ("%s %s" % (scheme, MASK)).strip()
    return value


def secret_fingerprint(secret):
    """The first 12 hex digits of the secret's sha256: tests compare it with their own, the log never holds the secret."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()[:12]


def auth_fingerprint(value):
    """Which credential an Authorization header carried, without the credential: {"scheme", "user" (Basic only),
    "secret_sha256" (secret_fingerprint of the Basic password or of the Bearer token)}; None without the header. So that a
    test can prove which host (and which client, controller or acr-import) saw a given secret."""
    if not value:
        return None
    scheme, _sep, credential = value.strip().partition(" ")
    fingerprint = {"scheme": scheme.lower(), "user": None, "secret_sha256": None}
    if scheme.lower() == "basic":
        try:
            user, _sep, password = base64.b64decode(credential.strip(), validate=True).decode("utf-8").partition(":")
        except (ValueError, binascii.Error):
            return dict(fingerprint, secret_sha256=secret_fingerprint(credential))  # undecodable: the raw value's fingerprint
        fingerprint.update(user=user, secret_sha256=secret_fingerprint(password))
    elif credential:
        fingerprint["secret_sha256"] = secret_fingerprint(credential.strip())
    return fingerprint


def mask_json(value):
    if isinstance(value, dict):
        return {k: (MASK if is_secret_key(k) and v not in (None, "") else mask_json(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_json(v) for v in value]
    return value


def mask_query(query):
    if not query:
        return query
    pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
    return urllib.parse.urlencode([(k, MASK if is_secret_key(k) else v) for k, v in pairs], safe="/:,")


def mask_body(content_type, raw):
    """A short, masked rendering of a request body for the log (forms and JSON only)."""
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    if "json" in (content_type or ""):
        try:
            return mask_json(json.loads(text))
        except ValueError:
            return "<unparsable json>"
    if "x-www-form-urlencoded" in (content_type or ""):
        return mask_query(text)
    return None


class Clock:
    """The server's now; `skew` moves it forward to expire tokens without waiting."""

    def __init__(self):
        self.skew = 0.0

    def __call__(self):
        return time.time() + self.skew


class Settings(dict):
    def __init__(self, **overrides):
        super().__init__(DEFAULTS)
        self.update({k: v for k, v in overrides.items() if v is not None})

    def apply(self, changes):
        unknown = sorted(set(changes) - set(DEFAULTS))
        if unknown:
            raise ValueError("unknown settings: %s" % ", ".join(unknown))
        self.update(changes)


class Counters:
    def __init__(self):
        self.reset()

    def reset(self):
        self.import_calls = 0
        self.imports = collections.Counter()
        # Imports started and not ended (state: a reset keeps it), and the most there were at once since the last reset.
        self.imports_running = getattr(self, "imports_running", 0)
        self.imports_peak = self.imports_running
        self.arm_requests = 0
        self.token_requests = collections.Counter()
        self.requests = collections.Counter()
        self.client_requests = collections.Counter()
        self.bytes = collections.defaultdict(collections.Counter)
        self.proxy_tunnels = collections.Counter()

    def add_bytes(self, host, client, count):
        if count:
            self.bytes[host][client] += count

    def snapshot(self):
        return {
            "import_calls": self.import_calls,
            "imports": dict(self.imports),
            "imports_in_flight": {"now": self.imports_running, "peak": self.imports_peak},
            "arm_requests": self.arm_requests,
            "token_requests": dict(self.token_requests),
            "requests": dict(self.requests),
            "client_requests": dict(self.client_requests),
            "bytes": {host: dict(by_client) for host, by_client in self.bytes.items()},
            "proxy_tunnels": dict(self.proxy_tunnels),
        }


class RequestLog:
    def __init__(self, size=5000):
        self.entries = collections.deque(maxlen=size)
        self.sequence = 0

    def add(self, entry):
        self.sequence += 1
        entry["seq"] = self.sequence
        self.entries.append(entry)

    def since(self, seq=0):
        return [e for e in self.entries if e["seq"] > seq]

    def clear(self):
        self.entries.clear()


class FaultRule:
    FIELDS = ("host", "method", "path_regex", "client", "action", "status", "headers", "body", "delay", "times")

    def __init__(self, spec):
        unknown = sorted(set(spec) - set(self.FIELDS))
        if unknown:
            raise ValueError("unknown fault fields: %s" % ", ".join(unknown))
        self.host = (spec.get("host") or "*").lower()
        self.method = (spec.get("method") or "*").upper()
        self.path_regex = re.compile(spec.get("path_regex") or "")
        self.client = spec.get("client") or "*"
        self.action = spec.get("action") or ("delay" if spec.get("delay") and not spec.get("status") else "status")
        if self.action not in ("status", "reset", "delay", "hang", "hold", "hold-request"):
            raise ValueError("fault action must be status, reset, delay, hang, hold or hold-request")
        self.status = int(spec.get("status") or 500)
        self.headers = dict(spec.get("headers") or {})
        self.body = spec.get("body")
        self.delay = float(spec.get("delay") or 0)
        self.times = spec.get("times")
        self.spec = dict(spec)
        self.hits = 0

    def matches(self, host, method, path, client):
        if self.times is not None and self.hits >= int(self.times):
            return False
        if (self.action == "hang") != (method == "CONNECT"):
            return False  # hang is the proxy's (a host that accepts and never answers); the front never sees CONNECT
        if self.host not in ("*", host):
            return False
        if self.method not in ("*", method):
            return False
        if self.client not in ("*", client):
            return False
        return bool(self.path_regex.search(path))

    def describe(self):
        described = dict(self.spec)
        described["hits"] = self.hits
        return described


class Faults:
    def __init__(self):
        self.rules = []

    def set(self, specs):
        self.rules = [FaultRule(spec) for spec in specs]

    def match(self, host, method, path, client):
        for rule in self.rules:
            if rule.matches(host, method, path, client):
                rule.hits += 1
                return rule
        return None


class ImportBehaviour:
    FIELDS = ("delay", "stuck", "fail_times", "fail_message", "permanent_failure")

    def __init__(self, default_delay=0.0):
        self.default_delay = default_delay
        self.delay = default_delay
        self.stuck = False
        self.fail_times = 0
        self.fail_message = "Error copying blobs"
        self.permanent_failure = None

    def reset(self):
        self.delay = self.default_delay
        self.stuck = False
        self.fail_times = 0
        self.fail_message = "Error copying blobs"
        self.permanent_failure = None

    def apply(self, changes):
        unknown = sorted(set(changes) - set(self.FIELDS))
        if unknown:
            raise ValueError("unknown import behaviour fields: %s" % ", ".join(unknown))
        for key, value in changes.items():
            setattr(self, key, value)
        self.delay = float(self.delay or 0)
        self.fail_times = int(self.fail_times or 0)

    def snapshot(self):
        return {key: getattr(self, key) for key in self.FIELDS}

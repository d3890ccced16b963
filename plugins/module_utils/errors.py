# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Errors the modules report, and the scrubbing that keeps secrets out of them.

Ansible masks no_log parameter values in results, but tokens we obtain at run time (Entra access tokens,
ACR refresh/access tokens, registry bearer tokens) are not parameters: every message that leaves a
module_util goes through Redactor.scrub first.
"""

from __future__ import annotations

import re
import threading

REDACTED = "********"

# Token-shaped strings that must never be echoed even if we never saw them (e.g. inside an SDK error).
_TOKEN_PATTERNS = (
    re.compile(r"(?i)(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"eyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]*"),  # JWTs
    # key=value, "key": value or key: 'value' (forms, queries, JSON, reprs); not prose such as "source_password: give it".
    re.compile(r"(?i)((?:access|refresh)_token|client_secret|password|secret)(\s*=\s*[\"']?|[\"']\s*:\s*[\"']?|\s*:\s*[\"'])[^\s\"'&,}]+"),
)


class AcrOpsError(Exception):
    """An error with a message fit for users: what failed, the service's words, and what to do."""

    def __init__(self, message, code=None, hint=None, operation_url=None, transient=False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.hint = hint
        self.operation_url = operation_url
        self.transient = transient

    def __str__(self):
        text = self.message
        if self.code and self.code not in text:
            text = "%s (%s)" % (text, self.code)
        if self.hint:
            text = "%s. Hint: %s" % (text.rstrip("."), self.hint)
        return text


class Redactor:
    """Remembers secret values seen during a run and removes them (and token-shaped strings) from text."""

    def __init__(self, secrets=()):
        self._lock = threading.Lock()
        self._secrets = set()
        self._plan = None
        for secret in secrets:
            self.add(secret)

    def add(self, secret):
        # Very short values would redact ordinary words; they are not real secrets anyway.
        if secret and isinstance(secret, str) and len(secret) >= 4:
            with self._lock:
                if secret not in self._secrets:
                    self._secrets.add(secret)
                    self._plan = None

    def _secrets_plan(self):
        """(the secrets, longest first; a pattern of their first 4 characters), built again only after add(). A run holds a
        token per 20 repositories per registry, and every string of its result is scrubbed: sorting and trying every secret
        on every string made scrubbing a 10,000-image result cost images x tokens (a quarter of a 1,000-image no-op's CPU).
        A string none of whose 4-character windows starts a secret holds no secret: it skips the replacements."""
        with self._lock:
            if self._plan is None:
                ordered = sorted(self._secrets, key=len, reverse=True)
                starts = sorted(set(secret[:4] for secret in ordered))
                self._plan = (ordered, re.compile("|".join(re.escape(start) for start in starts)) if starts else None)
            return self._plan

    def scrub(self, text):
        if text is None:
            return None
        text = str(text)
        secrets, starts = self._secrets_plan()
        if starts is not None and starts.search(text):
            for secret in secrets:
                text = text.replace(secret, REDACTED)
        text = _TOKEN_PATTERNS[0].sub(lambda m: m.group(1) + " " + REDACTED, text)
        text = _TOKEN_PATTERNS[1].sub(REDACTED, text)
        text = _TOKEN_PATTERNS[2].sub(lambda m: m.group(1) + m.group(2) + REDACTED, text)
        return text

    def scrub_data(self, data):
        """Scrub every string inside nested lists/dicts (results, reports)."""
        if isinstance(data, dict):
            return dict((k, self.scrub_data(v)) for k, v in data.items())
        if isinstance(data, (list, tuple)):
            return [self.scrub_data(v) for v in data]
        if isinstance(data, str):
            return self.scrub(data)
        return data


def show(text):
    """A value quoted for a message: ascii() reveals look-alike and invisible characters; long values are cut."""
    return "%s... (%d characters)" % (ascii(text[:60]), len(text)) if len(text) > 80 else ascii(text)

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What answered Resource Manager's calls when it was not JSON (pure, with fake answers): remembered per thread and only
until the next answer, read without taking a streamed body from the SDK, and used for the SDK's bare JSONDecodeError only."""

from __future__ import annotations

import json
import threading

from ansible_collections.acrops.registry.plugins.module_utils import arm
from ansible_collections.acrops.registry.plugins.module_utils.errors import Redactor


class Answer:
    """azure-core's rest response as far as record_answer uses it: text() fails until read() was called (a streamed one)."""

    def __init__(self, status, content_type, body, streamed=False):
        self.status_code, self.headers, self._body, self._read = status, {"Content-Type": content_type} if content_type else {}, body, not streamed

    def read(self):
        self._read = True
        return self._body.encode()

    def text(self):
        if not self._read:
            raise RuntimeError("You have not read in the bytes for the response")
        return self._body


def decode_error():
    try:
        json.loads("<html>")
    except ValueError as exc:
        return exc
    raise RuntimeError("unreachable")


def test_a_web_page_is_remembered_until_the_next_answer_and_named_for_the_sdks_decode_error():
    page = "<html><head><title>Proxy\n sign-in</title></head><body>x</body></html>"
    arm.record_answer(Answer(502, "text/html; charset=utf-8", page, streamed=True), arm.RESOURCE_MANAGER, "arm.test")
    assert arm.not_json_answer() == (arm.RESOURCE_MANAGER, "arm.test", 502, "a web page, not JSON: Proxy sign-in")
    error = arm.error_from(decode_error(), Redactor(), "import into r")
    assert (error.message, error.hint) == (
        "import into r failed: Resource Manager answered HTTP 502 with a web page, not JSON: Proxy sign-in",
        "a proxy or gateway may be answering for Resource Manager (arm.test): check HTTPS_PROXY/NO_PROXY")
    arm.record_answer(Answer(200, "application/json; charset=utf-8", "{}"), arm.RESOURCE_MANAGER, "arm.test")
    assert arm.not_json_answer() is None
    assert "Expecting value" in arm.error_from(decode_error(), Redactor(), "x").message


def test_other_answers_that_are_not_json_and_answers_of_other_threads():
    arm.record_answer(Answer(503, "text/plain", "  upstream\n connect error  "), arm.IDENTITY_PROVIDER, "login.test")
    assert arm.not_json_answer() == (arm.IDENTITY_PROVIDER, "login.test", 503, "text/plain, not JSON: upstream connect error")
    arm.record_answer(Answer(502, "text/plain", "<!DOCTYPE html><html><title>Gateway</title></html>"), arm.IDENTITY_PROVIDER, "login.test")
    assert arm.not_json_answer() == (arm.IDENTITY_PROVIDER, "login.test", 502, "a web page, not JSON: Gateway"), "a page by its start too"
    seen = []
    other = threading.Thread(target=lambda: seen.append(arm.not_json_answer()))
    other.start()
    other.join(30)
    assert seen == [None], "another thread's answer is not this one's"
    arm.record_answer(Answer(202, None, ""), arm.RESOURCE_MANAGER, "arm.test")  # no Content-Type (an empty 202): nothing to say
    assert arm.not_json_answer() is None


def test_an_exception_that_is_not_a_decode_error_keeps_the_services_words():
    arm.record_answer(Answer(200, "text/html", "<html><title>page</title></html>"), arm.RESOURCE_MANAGER, "arm.test")

    class Refused(Exception):
        status_code = 403
        message = "The client does not have authorization"

    error = arm.error_from(Refused(), Redactor(), "reading registry r")
    assert error.message == "reading registry r failed: The client does not have authorization (HTTP 403)" and "proxy" not in (error.hint or "")


def test_the_identity_providers_page_names_it_for_an_authentication_error_only():
    arm.record_answer(Answer(502, "text/html", "<html><title>502 Bad Gateway</title></html>"), arm.IDENTITY_PROVIDER, "login.test")

    class ClientAuthenticationError(Exception):
        message = "Authentication failed: HTTP Error: 502"

    error = arm.error_from(ClientAuthenticationError(), Redactor(), "listing the registries")
    assert (error.message, error.hint) == (
        "listing the registries failed: the identity provider answered HTTP 502 with a web page, not JSON: 502 Bad Gateway",
        "a proxy or gateway may be answering for the identity provider (login.test): check HTTPS_PROXY/NO_PROXY")
    # The SDK's decode error after an identity page is not Resource Manager's page: the service's words stay.
    assert "Expecting value" in arm.error_from(decode_error(), Redactor(), "x").message

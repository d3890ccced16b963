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
    arm.record_answer(Answer(502, "text/html; charset=utf-8", page, streamed=True))
    assert arm.not_json_answer() == (502, "a web page, not JSON: Proxy sign-in")
    error = arm.error_from(decode_error(), Redactor(), "import into r")
    assert (error.message, error.hint) == ("import into r failed: Resource Manager answered HTTP 502 with a web page, not JSON: Proxy sign-in",
                                           arm.ARM_PROXY_HINT)
    arm.record_answer(Answer(200, "application/json; charset=utf-8", "{}"))
    assert arm.not_json_answer() is None
    assert "Expecting value" in arm.error_from(decode_error(), Redactor(), "x").message


def test_other_answers_that_are_not_json_and_answers_of_other_threads():
    arm.record_answer(Answer(503, "text/plain", "  upstream\n connect error  "))
    assert arm.not_json_answer() == (503, "text/plain, not JSON: upstream connect error")
    seen = []
    other = threading.Thread(target=lambda: seen.append(arm.not_json_answer()))
    other.start()
    other.join(30)
    assert seen == [None], "another thread's answer is not this one's"
    arm.record_answer(Answer(202, None, ""))  # no Content-Type (an empty 202): nothing to say
    assert arm.not_json_answer() is None


def test_an_exception_that_is_not_a_decode_error_keeps_the_services_words():
    arm.record_answer(Answer(200, "text/html", "<html><title>page</title></html>"))

    class Refused(Exception):
        status_code = 403
        message = "The client does not have authorization"

    error = arm.error_from(Refused(), Redactor(), "reading registry r")
    assert error.message == "reading registry r failed: The client does not have authorization (HTTP 403)" and error.hint != arm.ARM_PROXY_HINT

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The redactor (errors.Redactor) and the error every module reports (errors.AcrOpsError), exactly (issue 21, mutation
testing): what is removed, what is kept around it (the key, the scheme, the rest of the message), and what is left alone."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils.errors import REDACTED, AcrOpsError, Redactor, show


@pytest.mark.parametrize("text, expected", [
    ("Authorization: Bearer Zm9vYmFyYmF6cXV4", "Authorization: Bearer ********"),
    ("basic QWxhZGRpbjpvcGVu sent", "basic ******** sent"),
    ("jwt eyJhbGciOi.eyJzdWIiOjEy.sig_part end", "jwt ******** end"),
    ("password=hunter22&x=1", "password=********&x=1"),
    ('secret = "hunter22"', 'secret = "********"'),
    ('{"client_secret": "hunter22", "a": 1}', '{"client_secret": "********", "a": 1}'),
    ("refresh_token: 'zzzzzzzz'", "refresh_token: '********'"),
    ("ACCESS_TOKEN=abc,next", "ACCESS_TOKEN=********,next"),
])
def test_token_shapes_are_removed_and_what_names_them_is_kept(text, expected):
    assert Redactor().scrub(text) == expected


@pytest.mark.parametrize("text", [
    "bearer short1",                    # too short to be a token
    "eyJabc.def",                       # not three JWT parts
    "source_password: give it",         # prose about an option, not a value
    "digest sha256:" + "a" * 64,
])
def test_ordinary_text_is_left_alone(text):
    assert Redactor().scrub(text) == text


def test_known_secrets_are_removed_longest_first_and_short_values_are_not_secrets():
    redactor = Redactor(["abcd", "abcdefgh", "xyz", "", None, 12345])
    # "abcd" first would leave "********efgh": the longer secret goes first, whole.
    assert redactor.scrub("key abcdefgh and abcd") == "key ******** and ********"
    assert Redactor(["bcde", "abcdef"]).scrub("key abcdef") == "key ********", "by length, not by name"
    assert redactor.scrub("xyz and 12345 stay") == "xyz and 12345 stay", "under 4 characters or not text: never registered"
    redactor.add("late-secret")
    assert redactor.scrub("a late-secret") == "a " + REDACTED


def test_anything_is_scrubbed_as_text_and_none_stays_none():
    assert Redactor(["4242"]).scrub(424242) == "********42"
    assert Redactor().scrub(None) is None


def test_nested_data_is_scrubbed_and_other_values_kept():
    redactor = Redactor(["abcd"])
    assert redactor.scrub_data({"a": ("x abcd", 1, None), "b": {"c": "abcd"}, "d": True}) == {
        "a": ["x ********", 1, None], "b": {"c": "********"}, "d": True}


def test_an_error_says_what_failed_with_the_services_code_and_the_hint():
    error = AcrOpsError("Import failed", code="InvalidParameters", hint="check the tag", operation_url="https://op", transient=True)
    assert str(error) == "Import failed (InvalidParameters). Hint: check the tag"
    assert (error.message, error.code, error.hint, error.operation_url, error.transient) == (
        "Import failed", "InvalidParameters", "check the tag", "https://op", True)
    assert str(AcrOpsError("Import failed (InvalidParameters)", code="InvalidParameters")) == "Import failed (InvalidParameters)"
    assert str(AcrOpsError("Tag missing.", hint="run again")) == "Tag missing. Hint: run again"
    assert str(AcrOpsError("no tag matches 1.X", hint="widen it")) == "no tag matches 1.X. Hint: widen it"
    assert repr(error) == "AcrOpsError('Import failed')", "tracebacks and debug logs show the message"
    plain = AcrOpsError("plain")
    assert (str(plain), plain.code, plain.hint, plain.operation_url, plain.transient) == ("plain", None, None, None, False)


def test_show_quotes_and_cuts_long_values():
    assert show("a" * 80) == ascii("a" * 80)
    assert show("a" * 81) == ascii("a" * 60) + "... (81 characters)"
    assert show("\u00e9") == "'\\xe9'"

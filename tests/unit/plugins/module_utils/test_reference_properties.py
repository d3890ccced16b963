# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Property tests of image references: references built from distribution's grammar parse to their parts and
round-trip through their canonical text; anything else fails with ValueError only."""

from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.acrops.registry.plugins.module_utils.reference import (  # noqa: E402  pylint: disable=wrong-import-position
    DOCKER_HUB, DOCKER_HUB_ALIASES, ImageReference, InvalidReferenceError, is_digest, parse, parse_repository_path, parse_target,
)

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])

LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
HOST_ALNUM = LOWER_ALNUM + "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TAG_FIRST = HOST_ALNUM + "_"
HEX = "0123456789abcdef"

# Grammar pieces (regexp.go).
alnum = st.text(alphabet=LOWER_ALNUM, min_size=1, max_size=8)
separator = st.sampled_from([".", "_", "__", "-", "--", "---"])
path_component = st.builds(lambda first, rest: first + "".join(s + a for s, a in rest), alnum, st.lists(st.tuples(separator, alnum), max_size=3))
path = st.lists(path_component, min_size=1, max_size=4).map("/".join)
host_label = st.builds(lambda first, rest: first + "".join(d + a for d, a in rest), st.text(alphabet=HOST_ALNUM, min_size=1, max_size=8),
                       st.lists(st.tuples(st.sampled_from(["-", "--"]), st.text(alphabet=HOST_ALNUM, min_size=1, max_size=5)), max_size=2))
port = st.integers(min_value=0, max_value=99999).map(str)
ipv4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))
ipv6 = st.lists(st.text(alphabet=HEX + "ABCDEF", max_size=4), min_size=3, max_size=8).map(lambda groups: "[%s]" % ":".join(groups)).filter(
    lambda h: h != "[]" and "::::" not in h)
dotted = st.lists(host_label, min_size=2, max_size=4).map(".".join)
domain = st.one_of(
    st.tuples(st.one_of(dotted, ipv4, ipv6, st.just("localhost")), st.none() | port).map(lambda t: t[0] + (":" + t[1] if t[1] else "")),
    st.tuples(host_label, port).map(":".join),  # a one-label host needs a port to read as a host
).filter(lambda d: d.lower() not in DOCKER_HUB_ALIASES)
tag = st.builds(lambda first, rest: first + rest, st.sampled_from(TAG_FIRST), st.text(alphabet=TAG_FIRST + ".-", max_size=127))
digest = st.one_of(
    st.text(alphabet=HEX, min_size=64, max_size=64).map(lambda h: "sha256:" + h),
    st.text(alphabet=HEX, min_size=128, max_size=128).map(lambda h: "sha512:" + h),
)


def compose(name, tag_value, digest_value):
    return name + (":" + tag_value if tag_value is not None else "") + ("@" + digest_value if digest_value is not None else "")


def first_component_is_namespace(value):
    first = value.split("/", 1)[0]
    return "/" not in value or ("." not in first and first != "localhost")


@SETTINGS
@given(domain, path, st.none() | tag, st.none() | digest)
def test_generated_references_parse_to_their_parts(domain_value, path_value, tag_value, digest_value):
    text = compose("%s/%s" % (domain_value, path_value), tag_value, digest_value)
    ref = parse(text, default_tag=None)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (domain_value, path_value, tag_value, digest_value)
    assert str(ref) == text
    assert parse(str(ref), default_tag=None) == ref
    assert ImageReference(domain_value, path_value, tag_value, digest_value) == ref
    assert ref.api_host == domain_value
    assert ref.reference == (digest_value or tag_value or "latest")


@SETTINGS
@given(path.filter(first_component_is_namespace), st.none() | tag, st.none() | digest, st.none() | st.sampled_from(sorted(DOCKER_HUB_ALIASES)))
def test_generated_docker_hub_references_normalise(path_value, tag_value, digest_value, alias):
    text = compose(path_value if alias is None else "%s/%s" % (alias, path_value), tag_value, digest_value)
    ref = parse(text)
    repository = path_value if "/" in path_value else "library/" + path_value
    expected_tag = "latest" if tag_value is None and digest_value is None else tag_value
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (DOCKER_HUB, repository, expected_tag, digest_value)
    assert ref.familiar_repository == path_value if not path_value.startswith("library/") or path_value.count("/") > 1 else path_value[8:]
    assert parse(str(ref), default_tag=None) == ref
    assert ref.api_host == "registry-1.docker.io"


@SETTINGS
@given(path, st.none() | tag)
def test_generated_targets_and_paths(path_value, tag_value):
    assert parse_repository_path(path_value) == path_value
    text = compose(path_value, tag_value, None)
    assert parse_target(text, "fallback") == (path_value, tag_value if tag_value is not None else "fallback")


@SETTINGS
@given(digest)
def test_generated_digests(digest_value):
    assert is_digest(digest_value)


def _no_unexpected_error(value):
    """Every entry point either succeeds or raises InvalidReferenceError; a success round-trips."""
    try:
        ref = parse(value)
    except InvalidReferenceError:
        pass
    else:
        assert isinstance(ref, ImageReference)
        assert parse(str(ref), default_tag=None) == ref
        assert ref.tag is not None or ref.digest is not None
    for func in (parse_repository_path, lambda t: parse_target(t, None), lambda t: parse(t, default_tag=None)):
        try:
            func(value)
        except InvalidReferenceError:
            pass
    assert is_digest(value) in (True, False)


grammar_soup = st.text(alphabet="abAB09._-:/@[]+ %\n\uff1a\u0430", max_size=60)
structured = st.builds(lambda *parts: "".join(parts), st.sampled_from(["", "ghcr.io/", "localhost:5000/", "[::1]/", "docker.io/", "A.b/"]),
                       grammar_soup, st.sampled_from(["", ":", ":v1", "@", "@sha256:", "@sha256:" + "a" * 64]), grammar_soup)


@SETTINGS
@given(st.one_of(st.text(), st.text(max_size=2000), grammar_soup, structured))
def test_arbitrary_text_only_raises_value_error(value):
    _no_unexpected_error(value)


@SETTINGS
@given(st.integers(min_value=1025, max_value=3_000_000), st.sampled_from(["a", "a/", "\u0430", "a-", "[:"]))
def test_huge_text_is_rejected(size, unit):
    value = (unit * (size // len(unit) + 1))[:size]
    with pytest.raises(ValueError, match="reference too long"):
        parse(value)
    assert not is_digest(value)


@SETTINGS
@given(st.one_of(st.none(), st.integers(), st.floats(), st.binary(), st.lists(st.text(max_size=3), max_size=2),
                 st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2)))
def test_non_text_raises_value_error(value):
    with pytest.raises(ValueError):
        parse(value)
    with pytest.raises(ValueError):
        parse_target(value, None)
    with pytest.raises(ValueError):
        parse_repository_path(value)
    assert is_digest(value) is False


@st.composite
def uppercased_path(draw):
    """A valid path whose last component gets one uppercase letter (earlier components may read as hosts)."""
    components = draw(path).split("/")
    last = components[-1]
    letters = [i for i, c in enumerate(last) if c.isalpha()]
    if not letters:
        last += "x"
        letters = [len(last) - 1]
    index = draw(st.sampled_from(letters))
    components[-1] = last[:index] + last[index].upper() + last[index + 1:]
    return "/".join(components)


@SETTINGS
@given(st.none() | domain, uppercased_path(), st.none() | tag)
def test_uppercase_repository_is_rejected(domain_value, path_value, tag_value):
    text = compose(path_value if domain_value is None else "%s/%s" % (domain_value, path_value), tag_value, None)
    with pytest.raises(ValueError, match="repository name must be lowercase"):
        parse(text)
    with pytest.raises(ValueError, match="repository name must be lowercase"):
        ImageReference("ghcr.io", path_value)


bad_tag = st.one_of(
    st.builds(lambda t, c, i: t[:i] + c + t[i:], tag, st.sampled_from(list("!$%^&*()=~,;<>?|\\\"' \t#")), st.integers(0, 127)),
    st.builds(lambda c, t: c + t, st.sampled_from([".", "-"]), st.text(alphabet=TAG_FIRST, max_size=20)),
    st.text(alphabet=TAG_FIRST, min_size=129, max_size=300),
    st.just(""),
)


@SETTINGS
@given(path, bad_tag)
def test_bad_tags_are_rejected(path_value, tag_value):
    with pytest.raises(ValueError) as info:
        parse("ghcr.io/%s:%s" % (path_value, tag_value))
    assert "invalid tag" in str(info.value) or "invalid reference format" in str(info.value)
    with pytest.raises(ValueError):
        parse_target("%s:%s" % (path_value, tag_value), None)
    with pytest.raises(ValueError):
        parse("ghcr.io/app").with_tag(tag_value)


@SETTINGS
@given(path, st.integers(min_value=0, max_value=200).filter(lambda n: n != 64), st.sampled_from(HEX))
def test_bad_digest_lengths_are_rejected(path_value, length, hex_digit):
    bad = "sha256:" + hex_digit * length
    with pytest.raises(ValueError) as info:
        parse("ghcr.io/%s@%s" % (path_value, bad))
    assert "digest" in str(info.value)
    assert not is_digest(bad)
    with pytest.raises(ValueError):
        parse("ghcr.io/app").with_digest(bad)

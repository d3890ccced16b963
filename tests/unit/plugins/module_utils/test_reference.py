# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Image references: distribution's own test tables (reference_test.go, normalize_test.go, regexp_test.go of
github.com/distribution/reference), translated to the normalised results of parse(), plus this collection's cases.

distribution's Parse keeps names as written ("test.com:tag" has no domain); parse() normalises like
ParseNormalizedNamed, so the expected values below are the normalised ones (docker.io, library/).
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from ansible_collections.acrops.registry.plugins.module_utils import reference
from ansible_collections.acrops.registry.tests.unit.plugins.module_utils import backtracking
from ansible_collections.acrops.registry.plugins.module_utils.reference import (
    DOCKER_HUB, DOCKER_HUB_ALIASES, DOCKER_HUB_API_HOST, ImageReference, InvalidReferenceError, is_digest, parse, parse_canonical,
    parse_repository_path, parse_target,
)

F64 = "sha256:" + "f" * 64
BE = "sha256:be178c0543eb17f5f3043021c9e5fcf30285e557a4fc309cce97ff9ca6182912"
DBCC = "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"
E669 = "sha256:e6693c20186f837fc393390135d8a598a96a833917917789d63766cab6c59582"
HEX64 = "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a"

EMPTY = "empty reference"
FORMAT = "invalid reference format"
LOWER = "repository name must be lowercase"
TOO_LONG = "repository name too long"
DIGEST_LEN = "invalid checksum digest length"
UNSUPPORTED = "unsupported digest algorithm"
BAD_TAG = "invalid tag"
BAD_DIGEST = "invalid digest"
IDENTIFIER = "cannot specify 64-byte hexadecimal strings"


def check(text, registry, repository, tag=None, digest=None, **parse_options):
    ref = parse(text, **dict({"default_tag": None}, **parse_options))
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == (registry, repository, tag, digest)
    expected = "%s/%s%s%s" % (registry, repository, ":" + tag if tag else "", "@" + digest if digest else "")
    assert str(ref) == expected
    assert parse(str(ref), default_tag=None) == ref
    return ref


def rejects(text, fragment, func=None):
    with pytest.raises(ValueError) as info:
        (func or parse)(text)
    assert isinstance(info.value, InvalidReferenceError)
    message = str(info.value)
    assert fragment in message, message
    assert len(message) < 700
    return message


# reference_test.go TestReferenceParse: (input, registry, repository, tag, digest), normalised.
REFERENCE_VALID = [
    ("test_com", DOCKER_HUB, "library/test_com", None, None),
    ("test.com:tag", DOCKER_HUB, "library/test.com", "tag", None),
    ("test.com:5000", DOCKER_HUB, "library/test.com", "5000", None),
    ("test.com/repo:tag", "test.com", "repo", "tag", None),
    ("test:5000/repo", "test:5000", "repo", None, None),
    ("test:5000/repo:tag", "test:5000", "repo", "tag", None),
    ("test:5000/repo@" + F64, "test:5000", "repo", None, F64),
    ("test:5000/repo:tag@" + F64, "test:5000", "repo", "tag", F64),
    ("lowercase:Uppercase", DOCKER_HUB, "library/lowercase", "Uppercase", None),
    # Marked as a known quirk in distribution's tests, kept: an uppercase first component is taken for a host (as docker pull does).
    ("Uppercase/lowercase:tag", "Uppercase", "lowercase", "tag", None),
    ("a/" * 127 + "a:tag-puts-this-over-max", DOCKER_HUB, "a/" * 127 + "a", "tag-puts-this-over-max", None),
    ("sub-dom1.foo.com/bar/baz/quux", "sub-dom1.foo.com", "bar/baz/quux", None, None),
    ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", None),
    ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", None),
    ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", None),
    ("xn--7o8h.com/myimage:xn--7o8h.com@" + F64, "xn--7o8h.com", "myimage", "xn--7o8h.com", F64),
    ("foo_bar.com:8080", DOCKER_HUB, "library/foo_bar.com", "8080", None),
    ("foo/foo_bar.com:8080", DOCKER_HUB, "foo/foo_bar.com", "8080", None),
    ("192.168.1.1", DOCKER_HUB, "library/192.168.1.1", None, None),
    ("192.168.1.1:tag", DOCKER_HUB, "library/192.168.1.1", "tag", None),
    ("192.168.1.1:5000", DOCKER_HUB, "library/192.168.1.1", "5000", None),
    ("192.168.1.1/repo", "192.168.1.1", "repo", None, None),
    ("192.168.1.1:5000/repo", "192.168.1.1:5000", "repo", None, None),
    ("192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", None),
    ("[2001:db8::1]/repo", "[2001:db8::1]", "repo", None, None),
    ("[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", None),
    ("[2001:db8::1]:5000/repo", "[2001:db8::1]:5000", "repo", None, None),
    ("[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag", None),
    ("[2001:db8::1]:5000/repo@" + F64, "[2001:db8::1]:5000", "repo", None, F64),
    ("[2001:db8::1]:5000/repo:tag@" + F64, "[2001:db8::1]:5000", "repo", "tag", F64),
    ("[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", None, None),
    ("[::1]:5000/repo", "[::1]:5000", "repo", None, None),
    ("example.com/" + "a" * 255 + ":tag", "example.com", "a" * 255, "tag", None),
    # distribution's test does not register sha512; docker does, and so do we.
    ("validname@sha512:" + "f" * 128, DOCKER_HUB, "library/validname", None, "sha512:" + "f" * 128),
    ("validname@sha384:" + "f" * 96, DOCKER_HUB, "library/validname", None, "sha384:" + "f" * 96),
]

REFERENCE_INVALID = [
    ("", EMPTY),
    (":justtag", FORMAT),
    ("@" + F64, FORMAT),
    ("repo@sha256:" + "f" * 34, DIGEST_LEN),
    ("validname@invaliddigest:" + "f" * 64, UNSUPPORTED),
    ("Uppercase:tag", LOWER),
    ("test:5000/Uppercase/lowercase:tag", LOWER),
    ("domain/" + "a" * 256 + ":tag", TOO_LONG),
    ("aa/asdf$$^/aa", FORMAT),
    ("[2001:db8::1]", FORMAT),
    ("[2001:db8::1]:5000", FORMAT),
    ("[2001:db8::1]:tag", FORMAT),
    ("[fe80::1%eth0]:5000/repo", FORMAT),
    ("[fe80::1%@invalidzone]:5000/repo", FORMAT),
]


@pytest.mark.parametrize("text, registry, repository, tag, digest", REFERENCE_VALID, ids=lambda v: str(v)[:60])
def test_reference_table_valid(text, registry, repository, tag, digest):
    check(text, registry, repository, tag, digest)


@pytest.mark.parametrize("text, fragment", REFERENCE_INVALID, ids=lambda v: str(v)[:60])
def test_reference_table_invalid(text, fragment):
    rejects(text, fragment)


# normalize_test.go TestValidateReferenceName and TestValidateRemoteName.
VALID_NAMES = [
    "docker/docker", "library/debian", "debian", "localhost/library/debian", "localhost/debian", "LOCALDOMAIN/library/debian",
    "LOCALDOMAIN/debian", "docker.io/docker/docker", "docker.io/library/debian", "docker.io/debian", "index.docker.io/docker/docker",
    "index.docker.io/library/debian", "index.docker.io/debian", "127.0.0.1:5000/docker/docker", "127.0.0.1:5000/library/debian",
    "127.0.0.1:5000/debian", "192.168.0.1", "192.168.0.1:80", "192.168.0.1:8/debian", "192.168.0.2:25000/debian",
    "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "[fc00::1]:5000/docker", "[fc00::1]:5000/docker/docker",
    "[fc00:1:2:3:4:5:6:7]:5000/library/debian", "docker.io/" + HEX64, "Docker/docker", "DOCKER/docker",
    "docker-rules/docker", "docker---rules/docker", "doc/docker", "d/docker", "jess/t", "dock__er/docker",
]
INVALID_NAMES = [
    ("https://github.com/docker/docker", FORMAT), ("docker/Docker", LOWER), ("-docker", FORMAT), ("-docker/docker", FORMAT),
    ("-docker.io/docker/docker", FORMAT), ("docker///docker", FORMAT), ("docker.io/docker/Docker", LOWER),
    ("docker.io/docker///docker", FORMAT), ("[fc00::1]", FORMAT), ("[fc00::1]:5000", FORMAT), ("fc00::1:5000/debian", FORMAT),
    ("[fe80::1%eth0]:5000/debian", FORMAT), ("[2001:db8:3:4::192.0.2.33]:5000/debian", FORMAT), (HEX64, IDENTIFIER),
    ("docker-/docker", FORMAT), ("-docker-/docker", FORMAT), ("____/____", FORMAT), ("_docker/_docker", FORMAT),
    ("dock..er/docker", FORMAT), ("dock_.er/docker", FORMAT), ("dock-.er/docker", FORMAT), ("docker/", FORMAT),
    ("_".join(["this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255"] * 4) + "/docker", TOO_LONG),
]


@pytest.mark.parametrize("text", VALID_NAMES)
def test_valid_names(text):
    ref = parse(text, default_tag=None)
    assert parse(str(ref), default_tag=None) == ref


@pytest.mark.parametrize("text, fragment", INVALID_NAMES, ids=lambda v: str(v)[:60])
def test_invalid_names(text, fragment):
    rejects(text, fragment)


# normalize_test.go TestParseRepositoryInfo: (remote name, familiar name, full name, ambiguous name, domain).
REPOSITORY_INFO = [
    ("fooo", "localhost/fooo", "localhost/fooo", "localhost/fooo", "localhost"),
    ("fooo/bar", "localhost/fooo/bar", "localhost/fooo/bar", "localhost/fooo/bar", "localhost"),
    ("fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN/fooo", "LOCALDOMAIN"),
    ("fooo/bar", "LOCALDOMAIN/fooo/bar", "LOCALDOMAIN/fooo/bar", "LOCALDOMAIN/fooo/bar", "LOCALDOMAIN"),
    ("fooo/bar", "fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar", "docker.io"),
    ("library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "library/ubuntu", "docker.io"),
    ("nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "", "docker.io"),
    ("other/library", "other/library", "docker.io/other/library", "", "docker.io"),
    ("private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase", "", "127.0.0.1:8000"),
    ("privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", "", "127.0.0.1:8000"),
    ("private/moonbase", "example.com/private/moonbase", "example.com/private/moonbase", "", "example.com"),
    ("privatebase", "example.com/privatebase", "example.com/privatebase", "", "example.com"),
    ("private/moonbase", "example.com:8000/private/moonbase", "example.com:8000/private/moonbase", "", "example.com:8000"),
    ("privatebasee", "example.com:8000/privatebasee", "example.com:8000/privatebasee", "", "example.com:8000"),
    ("library/ubuntu-12.04-base", "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base", "index.docker.io/library/ubuntu-12.04-base",
     "docker.io"),
    ("library/foo", "foo", "docker.io/library/foo", "docker.io/foo", "docker.io"),
    ("library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", "", "docker.io"),
    ("store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", "", "docker.io"),
    ("bar", "Foo/bar", "Foo/bar", "", "Foo"),
    ("bar", "FOO/bar", "FOO/bar", "", "FOO"),
]


@pytest.mark.parametrize("remote, familiar, full, ambiguous, domain", REPOSITORY_INFO, ids=lambda v: str(v)[:40])
def test_repository_info(remote, familiar, full, ambiguous, domain):
    for text in filter(None, (familiar, full, ambiguous)):
        ref = parse(text, default_tag=None)
        assert (str(ref), ref.registry, ref.repository) == (full, domain, remote)
        assert ref.name == full
        familiar_name = ref.familiar_repository if ref.registry == DOCKER_HUB else ref.name
        assert familiar_name == familiar


def test_reference_with_tag_and_digest():
    short = "busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
    ref = parse(short)
    assert str(ref) == "docker.io/library/" + short
    assert ref.tag == "latest" and ref.digest == short.split("@")[1]
    assert ref.reference == ref.digest


def test_invalid_reference_components():
    rejects("-foo", FORMAT)
    ref = parse("busybox")
    with pytest.raises(ValueError, match="cannot start with"):
        ref.with_tag("-foo")
    with pytest.raises(ValueError, match=FORMAT):
        ref.with_digest("foo")


# normalize_test.go TestParseAnyReference (the named cases; bare digests are not names).
ANY_REFERENCE = [
    ("redis", "docker.io/library/redis"),
    ("redis:latest", "docker.io/library/redis:latest"),
    ("docker.io/library/redis:latest", "docker.io/library/redis:latest"),
    ("redis@" + DBCC, "docker.io/library/redis@" + DBCC),
    ("docker.io/library/redis@" + DBCC, "docker.io/library/redis@" + DBCC),
    ("dmcgowan/myapp", "docker.io/dmcgowan/myapp"),
    ("dmcgowan/myapp:latest", "docker.io/dmcgowan/myapp:latest"),
    ("docker.io/mcgowan/myapp:latest", "docker.io/mcgowan/myapp:latest"),
    ("dmcgowan/myapp@" + DBCC, "docker.io/dmcgowan/myapp@" + DBCC),
    ("docker.io/dmcgowan/myapp@" + DBCC, "docker.io/dmcgowan/myapp@" + DBCC),
    (DBCC.split(":")[1][:-1], "docker.io/library/" + DBCC.split(":")[1][:-1]),
    ("dbcc1", "docker.io/library/dbcc1"),
]


@pytest.mark.parametrize("text, equivalent", ANY_REFERENCE, ids=lambda v: str(v)[:50])
def test_any_reference(text, equivalent):
    ref = parse(text, default_tag=None)
    assert str(ref) == equivalent
    assert parse(equivalent, default_tag=None) == ref


# normalize_test.go TestNormalizedSplitHostname and reference_test.go TestDomainAndPath.
SPLIT_HOSTNAME = [
    ("test.com/foo", "test.com", "foo"),
    ("test_com/foo", DOCKER_HUB, "test_com/foo"),
    ("docker/migrator", DOCKER_HUB, "docker/migrator"),
    ("test.com:8080/foo", "test.com:8080", "foo"),
    ("test-com:8080/foo", "test-com:8080", "foo"),
    ("test:8080/foo", "test:8080", "foo"),
    ("foo", DOCKER_HUB, "library/foo"),
    ("xn--n3h.com/foo", "xn--n3h.com", "foo"),
    ("xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo"),
    ("docker.io/foo", DOCKER_HUB, "library/foo"),
    ("docker.io/library/foo", DOCKER_HUB, "library/foo"),
    ("docker.io/library/foo/bar", DOCKER_HUB, "library/foo/bar"),
]


@pytest.mark.parametrize("text, registry, repository", SPLIT_HOSTNAME)
def test_split_hostname(text, registry, repository):
    check(text, registry, repository)


# normalize_test.go TestParseDockerRef: ParseNormalizedNamed + TagNameOnly. (ParseDockerRef itself drops the tag of
# tag+digest references; parse() keeps both and lets the digest win in .reference.)
DOCKER_REF = [
    ("busybox", "docker.io/library/busybox:latest"),
    ("busybox:latest", "docker.io/library/busybox:latest"),
    ("busybox@" + E669, "docker.io/library/busybox@" + E669),
    ("library/busybox", "docker.io/library/busybox:latest"),
    ("docker.io/busybox", "docker.io/library/busybox:latest"),
    ("docker.io/library/busybox", "docker.io/library/busybox:latest"),
    ("docker.io/busybox:latest", "docker.io/library/busybox:latest"),
    ("library/busybox:latest", "docker.io/library/busybox:latest"),
    ("docker.io/library/busybox:latest", "docker.io/library/busybox:latest"),
    ("gcr.io/library/busybox", "gcr.io/library/busybox:latest"),
    ("gcr.io/library/busybox:latest@" + E669, "gcr.io/library/busybox:latest@" + E669),
]


@pytest.mark.parametrize("text, expected", DOCKER_REF, ids=lambda v: str(v)[:50])
def test_docker_ref(text, expected):
    ref = parse(text)
    assert str(ref) == expected
    assert parse(expected) == ref
    assert ref.reference == (ref.digest or ref.tag)


# reference_test.go TestParseNamed: canonical input only.
@pytest.mark.parametrize("text, registry, repository", [
    ("test.com/foo", "test.com", "foo"),
    ("test:8080/foo", "test:8080", "foo"),
    ("docker.io/library/foo", DOCKER_HUB, "library/foo"),
])
def test_parse_canonical(text, registry, repository):
    ref = parse_canonical(text)
    assert (ref.registry, ref.repository, ref.tag) == (registry, repository, None)


@pytest.mark.parametrize("text", ["test_com/foo", "test.com", "foo", "library/foo", "docker.io/foo", "index.docker.io/library/foo"])
def test_parse_canonical_rejects(text):
    message = rejects(text, "repository name must be canonical", parse_canonical)
    assert "docker.io/" in message


# regexp_test.go TestDomainRegexp, as the host of "<domain>/foo".
DOMAINS_VALID = [
    "test.com", "test.com:10304", "localhost", "localhost:8080", "a.b", "ab.cd.com", "a-b.com", "ab.c-om", "0101.com", "001a.com",
    "b.gbc.io:443", "b.gbc.io", "xn--n3h.com", "Asdf.com", "192.168.1.1:75050", "192.168.1.1:750050", "[fd00:1:2::3]:75050",
    "[fd00123123123]:75050", "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:75050", "[2001:0db8:85a3:0000:0000:8a2e:0370:7334]:750505",
]
DOMAINS_INVALID = [
    "test.com:http", "-ab.com", "ab-.com", "ab.-com", "ab.com-", "[fd00:1:2::3]75050", "[fd00:1:2::3]::75050", "[fd00:1:2::3%eth0]:75050",
    "fd00:1:2::3:75050",
]


@pytest.mark.parametrize("domain", DOMAINS_VALID)
def test_domains_valid(domain):
    check(domain + "/foo", domain, "foo")
    assert parse(domain + "/foo").api_host == domain


@pytest.mark.parametrize("domain", DOMAINS_INVALID)
def test_domains_invalid(domain):
    rejects(domain + "/foo", FORMAT)


def test_single_component_domain_is_a_namespace():
    # "a" matches the domain grammar, but docker only reads a first component as a host with '.', ':' or "localhost".
    check("a/foo", DOCKER_HUB, "a/foo")


# regexp_test.go TestFullNameRegexp and TestReferenceRegexp.
FULL_NAMES_VALID = [
    ("short", DOCKER_HUB, "library/short"),
    ("simple/name", DOCKER_HUB, "simple/name"),
    ("library/ubuntu", DOCKER_HUB, "library/ubuntu"),
    ("docker/stevvooe/app", DOCKER_HUB, "docker/stevvooe/app"),
    ("aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb", DOCKER_HUB, "aa/aa/aa/aa/aa/aa/aa/aa/aa/bb/bb/bb/bb/bb/bb"),
    ("a/a/a/a", DOCKER_HUB, "a/a/a/a"),
    ("a", DOCKER_HUB, "library/a"),
    ("a/aa/a", DOCKER_HUB, "a/aa/a"),
    ("foo.com", DOCKER_HUB, "library/foo.com"),
    ("foo.com:8080/bar", "foo.com:8080", "bar"),
    ("foo.com/bar/baz", "foo.com", "bar/baz"),
    ("localhost:8080/bar", "localhost:8080", "bar"),
    ("blog.foo.com/bar/baz", "blog.foo.com", "bar/baz"),
    ("aa-a/a", DOCKER_HUB, "aa-a/a"),
    ("a/" * 127 + "a", DOCKER_HUB, "a/" * 127 + "a"),
    ("foo_bar", DOCKER_HUB, "library/foo_bar"),
    ("foo_bar.com", DOCKER_HUB, "library/foo_bar.com"),
    ("foo.com/foo_bar", "foo.com", "foo_bar"),
    ("example.com/xn--7o8h.com/myimage", "example.com", "xn--7o8h.com/myimage"),
    ("example.com/some_separator__underscore/myimage", "example.com", "some_separator__underscore/myimage"),
    ("do__cker/docker", DOCKER_HUB, "do__cker/docker"),
    ("registry.io/foo/project--id.module--name.ver---sion--name", "registry.io", "foo/project--id.module--name.ver---sion--name"),
    ("Asdf.com/foo/bar", "Asdf.com", "foo/bar"),
]
FULL_NAMES_INVALID = [
    ("a/a/a/a/", FORMAT), ("a//a/a", FORMAT), ("foo.com/", FORMAT), ("foo.com:http/bar", FORMAT), ("a^a", FORMAT), ("asdf$$^/aa", FORMAT),
    ("a-/a/a/a", FORMAT), ("foo.com/a-/a/a", FORMAT), ("-foo/bar", FORMAT), ("foo/bar-", FORMAT), ("foo-/bar", FORMAT), ("foo/-bar", FORMAT),
    ("_foo/bar", FORMAT), ("foo_bar.com:8080/app", FORMAT), ("_docker/_docker", FORMAT), ("docker_/docker_", FORMAT),
    ("example.com/__underscore/myimage", FORMAT), ("example.com/..dots/myimage", FORMAT), ("example.com/.dots/myimage", FORMAT),
    ("example.com/nodouble..dots/myimage", FORMAT), ("docker./docker", FORMAT), (".docker/docker", FORMAT), ("do..cker/docker", FORMAT),
    ("do__cker:8080/docker", FORMAT), ("Foo/FarB", LOWER),
    ("registry.com:8080/myapp@sha256:badbadbadbad", FORMAT), ("registry.com:8080/myapp:invalid~tag", FORMAT),
    ("bad_hostname.com:8080/myapp:tag", FORMAT), ("localhost:http/name@" + BE, FORMAT), ("registry.com:8080/myapp@bad", FORMAT),
    ("registry.com:8080/myapp@2bad", FORMAT),
]
REFERENCES_VALID = [
    ("registry.com:8080/myapp:tag", "registry.com:8080", "myapp", "tag", None),
    ("registry.com:8080/myapp@" + BE, "registry.com:8080", "myapp", None, BE),
    ("registry.com:8080/myapp:tag2@" + BE, "registry.com:8080", "myapp", "tag2", BE),
    # "localhost" alone is an image name, 8080 its tag.
    ("localhost:8080@" + BE, DOCKER_HUB, "library/localhost", "8080", BE),
    ("localhost:8080/name@" + BE, "localhost:8080", "name", None, BE),
    ("localhost@" + BE, DOCKER_HUB, "library/localhost", None, BE),
]


@pytest.mark.parametrize("text, registry, repository", FULL_NAMES_VALID, ids=lambda v: str(v)[:50])
def test_full_names_valid(text, registry, repository):
    check(text, registry, repository)


@pytest.mark.parametrize("text, fragment", FULL_NAMES_INVALID, ids=lambda v: str(v)[:50])
def test_full_names_invalid(text, fragment):
    rejects(text, fragment)


@pytest.mark.parametrize("text, registry, repository, tag, digest", REFERENCES_VALID, ids=lambda v: str(v)[:50])
def test_references_valid(text, registry, repository, tag, digest):
    check(text, registry, repository, tag, digest)


# regexp_test.go TestIdentifierRegexp: only a whole 64-digit lowercase hex string is an image ID.
def test_identifiers():
    rejects("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", IDENTIFIER)
    rejects("7EC43B381E5AEFE6E04EFB0B3F0693FF2A4A50652D64AEC573905F2DB5889A1C", LOWER)
    check("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf", DOCKER_HUB,
          "library/da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf")
    check("da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482", DOCKER_HUB,
          "library/da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf98218482")
    # As in docker: "sha256:<hex>" alone reads as the image "sha256" with a 64-character tag.
    check("sha256:" + "a" * 64, DOCKER_HUB, "library/sha256", "a" * 64)


# reference_test.go TestWithTag and TestWithDigest (with full-length digests: ours are validated).
def test_with_tag_and_digest():
    digest = "sha256:" + "1234567890" * 6 + "1234"
    assert str(parse("test.com/foo", None).with_tag("tag")) == "test.com/foo:tag"
    assert str(parse("foo", None).with_tag("tag2")) == "docker.io/library/foo:tag2"
    assert str(parse("test.com:8000/foo", None).with_tag("tag4")) == "test.com:8000/foo:tag4"
    assert str(parse("test.com:8000/foo", None).with_tag("TAG5")) == "test.com:8000/foo:TAG5"
    assert str(parse("test.com:8000/foo", None).with_digest(digest).with_tag("TAG5")) == "test.com:8000/foo:TAG5@" + digest
    assert str(parse("test.com/foo", None).with_digest(digest)) == "test.com/foo@" + digest
    assert str(parse("foo", None).with_digest(digest)) == "docker.io/library/foo@" + digest
    assert str(parse("test.com:8000/foo", None).with_tag("latest").with_digest(digest)) == "test.com:8000/foo:latest@" + digest
    ref = parse("test.com/foo:1@" + digest)
    assert ref.with_tag(None) == parse("test.com/foo@" + digest)
    assert ref.with_digest(None) == parse("test.com/foo:1")
    with pytest.raises(ValueError, match=BAD_TAG):
        ref.with_tag("")
    with pytest.raises(ValueError, match=DIGEST_LEN):
        ref.with_digest("sha256:1234567890098765432112345667890098765")
    with pytest.raises(ValueError, match="must be a string"):
        ref.with_tag(5)


# reference_test.go TestSerialization (the round trip through text).
@pytest.mark.parametrize("text, registry, repository, tag, digest", [
    ("example.com:8000/named", "example.com:8000", "named", None, None),
    ("example.com:8000/named:tagged", "example.com:8000", "named", "tagged", None),
    ("other.com/named@sha256:1234567890098765432112345667890098765432112345667890098765432112", "other.com", "named", None,
     "sha256:1234567890098765432112345667890098765432112345667890098765432112"),
])
def test_serialization(text, registry, repository, tag, digest):
    ref = check(text, registry, repository, tag, digest)
    assert str(ref) == text


# The collection's own examples (the brief's seeds).
SEEDS = [
    ("nginx", "docker.io", "library/nginx", "latest", None, "docker.io/library/nginx:latest"),
    ("nginx:1.25", "docker.io", "library/nginx", "1.25", None, "docker.io/library/nginx:1.25"),
    ("grafana/grafana:10.2.0", "docker.io", "grafana/grafana", "10.2.0", None, "docker.io/grafana/grafana:10.2.0"),
    ("ghcr.io/org/app:v2", "ghcr.io", "org/app", "v2", None, "ghcr.io/org/app:v2"),
    ("devacr.azurecr.io/app@" + F64, "devacr.azurecr.io", "app", None, F64, "devacr.azurecr.io/app@" + F64),
    ("repo:tag@" + F64, "docker.io", "library/repo", "tag", F64, "docker.io/library/repo:tag@" + F64),
    ("localhost:5000/x", "localhost:5000", "x", "latest", None, "localhost:5000/x:latest"),
    ("127.0.0.1:5000/x", "127.0.0.1:5000", "x", "latest", None, "127.0.0.1:5000/x:latest"),
    ("[::1]:5000/x", "[::1]:5000", "x", "latest", None, "[::1]:5000/x:latest"),
    ("mcr.microsoft.com/dotnet/aspnet:8.0", "mcr.microsoft.com", "dotnet/aspnet", "8.0", None, "mcr.microsoft.com/dotnet/aspnet:8.0"),
    ("index.docker.io/nginx", "docker.io", "library/nginx", "latest", None, "docker.io/library/nginx:latest"),
    ("registry-1.docker.io/bitnami/redis:7", "docker.io", "bitnami/redis", "7", None, "docker.io/bitnami/redis:7"),
    ("registry.hub.docker.com/nginx:1", "docker.io", "library/nginx", "1", None, "docker.io/library/nginx:1"),
    ("Docker.IO/nginx", "docker.io", "library/nginx", "latest", None, "docker.io/library/nginx:latest"),
]


@pytest.mark.parametrize("seed", SEEDS, ids=lambda v: v[0][:50])
def test_seeds(seed):
    text, registry, repository, tag, digest, canonical = seed
    assert str(check(text, registry, repository, tag, digest, default_tag="latest")) == canonical


def test_properties():
    ref = parse("nginx:1.25")
    assert ref.name == "docker.io/library/nginx"
    assert ref.api_host == DOCKER_HUB_API_HOST == "registry-1.docker.io"
    assert ref.reference == "1.25"
    assert ref.familiar_repository == "nginx"
    assert parse("grafana/grafana").familiar_repository == "grafana/grafana"
    assert parse("library/foo/bar").familiar_repository == "library/foo/bar"
    assert parse("ghcr.io/library/x").familiar_repository == "library/x"
    pinned = parse("ghcr.io/org/app:v2@" + F64)
    assert (pinned.api_host, pinned.reference, pinned.familiar_repository) == ("ghcr.io", F64, "org/app")
    assert parse("nginx", default_tag=None).reference == "latest"
    assert parse("nginx", default_tag="stable").tag == "stable"
    assert parse("nginx@" + F64).tag is None
    assert DOCKER_HUB in DOCKER_HUB_ALIASES and DOCKER_HUB_API_HOST in DOCKER_HUB_ALIASES


def test_image_reference_is_immutable_and_hashable():
    ref = parse("nginx:1.25")
    with pytest.raises(dataclasses.FrozenInstanceError):
        ref.tag = "x"
    assert {ref: 1}[parse("docker.io/library/nginx:1.25")] == 1
    assert ref != parse("nginx:1.26")
    assert "ImageReference(" in repr(ref)


def test_image_reference_constructor_normalises_and_validates():
    assert ImageReference("index.docker.io", "nginx", "1") == parse("nginx:1")
    assert ImageReference("registry-1.docker.io", "library/nginx").repository == "library/nginx"
    assert ImageReference("ghcr.io", "org/app", None, F64).digest == F64
    with pytest.raises(ValueError, match="Docker Hub namespace"):
        ImageReference("myhost", "app")
    with pytest.raises(ValueError, match=FORMAT):
        ImageReference("foo_bar.com", "app")
    with pytest.raises(ValueError, match=LOWER):
        ImageReference("ghcr.io", "Org/app")
    with pytest.raises(ValueError, match=BAD_TAG):
        ImageReference("ghcr.io", "org/app", "-x")
    with pytest.raises(ValueError, match=UNSUPPORTED):
        ImageReference("ghcr.io", "org/app", None, "md5:" + "a" * 32)
    with pytest.raises(ValueError, match="must be a string"):
        ImageReference(None, "app")
    with pytest.raises(ValueError, match="must be a string"):
        ImageReference("ghcr.io", "app", 1)


# Errors with their wording.
ERRORS = [
    ("nginx:", BAD_TAG),
    ("nginx:-1", BAD_TAG),
    ("nginx:.1", BAD_TAG),
    ("nginx:" + "a" * 129, BAD_TAG),
    ("nginx@", FORMAT),
    ("nginx@sha256", FORMAT),
    ("nginx@sha256:", FORMAT),
    ("nginx@sha256:" + "F" * 64, "invalid checksum digest format"),
    ("nginx@sha256:" + "f" * 65, DIGEST_LEN),
    ("nginx@SHA256:" + "f" * 64, "write it in lowercase: sha256"),
    ("nginx@md5:" + "f" * 32, UNSUPPORTED),
    ("nginx@" + F64 + "@" + F64, "more than one '@'"),
    ("nginx:1:2", FORMAT),
    ("Nginx", LOWER),
    ("FOO_BAR/baz", LOWER),
    ("https://ghcr.io/org/app:1", "drop the 'https://' scheme"),
    ("foo_bar.com/app", "no valid host"),
    ("a" * 1025, "reference too long"),
]


@pytest.mark.parametrize("text, fragment", ERRORS, ids=lambda v: str(v)[:50])
def test_errors(text, fragment):
    message = rejects(text, fragment)
    assert repr(text[:20])[:-1] in message  # the input is quoted


def test_error_messages_say_what_to_write():
    assert "write 'nginx' instead" in rejects("Nginx:1", LOWER)
    assert "write 'org/app' instead" in rejects("ghcr.io/Org/App:1", LOWER)
    assert "'nginx:1.25'" in rejects("", EMPTY)
    assert "write 'foo_bar/baz' instead" in rejects("FOO_BAR/baz", LOWER)


def test_default_tag_is_validated():
    with pytest.raises(ValueError, match=BAD_TAG):
        parse("nginx", default_tag="bad tag")
    with pytest.raises(ValueError, match=BAD_TAG):
        parse("nginx", default_tag=5)


HOSTILE = [
    " ", "  \t", "\n", "nginx\n", "nginx:1.25\n", " nginx", "nginx ", "nginx\r", "ngi\x00nx", "nginx\x1b[31m", "nginx\x7f",
    "nginx\u200b", "\u202enginx", "nginx\uff1a1.25", "ngin\u0445", "\uff4e\uff47\uff49\uff4e\uff58", "nginx:1.25\U0001f433",
    "ng\ud800inx", "nginx; rm -rf /", "$(id)", "`id`", "nginx|cat", "nginx&&x", "nginx>x", "a'b", 'a"b', "nginx%3A1", "nginx#1",
    "nginx?x", "nginx*", "~root/x", "nginx\\x", "nginx,x", "nginx=x", "nginx!", "../etc/passwd", "..", ".", "/", "//", "@", ":", "@:",
    ":@", "[", "]", "[]/x", "a/../b", "./nginx", "nginx/.", "-", "--", "_", "file:///etc/passwd", "http://x/y", "a" * 1025,
    "a/" * 600, "a:" * 600, "@" * 1000, "sha256:" + "f" * 2000,
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda v: ascii(v)[:40])
def test_hostile_strings(text):
    for func in (parse, parse_repository_path, lambda t: parse_target(t, "latest")):
        with pytest.raises(ValueError) as info:
            func(text)
        assert isinstance(info.value, InvalidReferenceError)
        assert len(str(info.value)) < 700
        assert not is_digest(text)


@pytest.mark.parametrize("value", [None, 5, 1.5, b"nginx", ["nginx"], {"source": "nginx"}, object()], ids=lambda v: type(v).__name__)
def test_non_str_input(value):
    for func in (parse, parse_repository_path, parse_canonical, lambda t: parse_target(t, None)):
        with pytest.raises(ValueError, match="must be a string"):
            func(value)
    assert is_digest(value) is False


def test_non_ascii_is_named():
    message = rejects("nginx\uff1a1.25", FORMAT)
    assert "U+FF1A FULLWIDTH COLON" in message and "\\uff1a" in message
    assert "CYRILLIC SMALL LETTER HA" in rejects("ngin\u0445", FORMAT)
    assert "whitespace" in rejects("nginx:1.25\n", FORMAT)
    assert "control character" in rejects("ngi\x00nx", FORMAT)


class Watched(str):
    """A string that records every method called on it but len() and short slices: the work a parser does on it."""
    touched = []

    def __getattribute__(self, name):
        if name not in ("__len__", "__class__", "__getitem__") and callable(getattr(str, name, None)):
            Watched.touched.append(name)
        return super().__getattribute__(name)

    def __getitem__(self, index):
        part = str.__getitem__(self, index)
        if len(part) > 1024:
            Watched.touched.append("[%d characters]" % len(part))
        return part


class Recorder:
    """A compiled pattern that records the length of each string it is applied to."""

    def __init__(self, pattern, seen):
        self.pattern, self.seen = pattern, seen

    def __getattr__(self, name):
        method = getattr(self.pattern, name)

        def recorded(text, *args, **kwargs):
            self.seen.append(len(text))
            return method(text, *args, **kwargs)
        return recorded if callable(method) else method


def test_huge_input_is_rejected_by_its_length_before_any_other_work(monkeypatch):
    # Counted, not timed: no pattern and no string method sees the 10 MB value, only len() and the cut shown in the message.
    seen = []
    for name, value in vars(reference).items():
        if isinstance(value, type(reference._TAG_RE)):  # pylint: disable=protected-access
            monkeypatch.setattr(reference, name, Recorder(value, seen))
    Watched.touched = []
    huge = Watched("a" * 10_000_000)
    for func in (parse, parse_repository_path, lambda t: parse_target(t, None)):
        with pytest.raises(ValueError, match="too long") as info:
            func(huge)
        assert len(str(info.value)) < 300 and "10000000 characters" in str(info.value)
    assert not [length for length in seen if length > 1024], seen
    assert not Watched.touched, Watched.touched


ADVERSARIAL = [
    "a" * 1023 + "!", "a-" * 511 + "!", "a." * 511 + "/", "a." * 500 + "a/" + "b" * 400 + "!", "[" + ":" * 1000, "a_" * 511, "a__" * 340 + "_",
    "a" * 500 + "/" + "b-" * 250 + "!", "a.b" * 300 + ":" + "1" * 100, "x@" + "a." * 500 + ":" + "f" * 10, "a/" * 511 + "!",
    "a-" * 300 + "a." * 200 + "!", "A" * 1023 + "/", "a" * 100 + ":" + "a" * 900, "x@a" + "-a" * 300 + ":" + "f" * 300 + "g",
]


# A linear pattern takes a few steps per character on the backtracking model; a catastrophic one needs thousands per
# character on inputs this long (2^n for nested repeats), far past this budget.
STEPS_PER_CHARACTER = 40


class Counted:
    """A compiled pattern whose fullmatch/match/search run on the step-counting model first (backtracking.py), within a
    linear budget of the text: a catastrophic pattern fails the test there (Exhausted) instead of hanging it in sre. Within
    the budget, sre runs too and must agree with the model."""

    def __init__(self, pattern, checked):
        self.pattern, self.checked = pattern, checked

    def __getattr__(self, name):
        method = getattr(self.pattern, name)
        if name not in ("fullmatch", "match", "search"):
            return method

        def counted(text, *args, **kwargs):
            assert not args and not kwargs, "the model runs over the whole text only"
            matched, steps = backtracking.steps_to_match(self.pattern, text, name, STEPS_PER_CHARACTER * (len(text) + 1))
            found = method(text)
            assert matched == (found is not None), (self.pattern.pattern, name, text)  # the model is faithful
            self.checked.append(steps)
            return found
        return counted


def test_the_step_counter_sees_catastrophic_backtracking():
    text = "a" * 24 + "!"
    with pytest.raises(backtracking.Exhausted):
        backtracking.steps_to_match(re.compile(r"(?:a+)+b"), text, "fullmatch", STEPS_PER_CHARACTER * (len(text) + 1))
    assert backtracking.steps_to_match(re.compile(r"a+b"), text, "fullmatch", STEPS_PER_CHARACTER * (len(text) + 1))[0] is False


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda v: v[:20])
def test_no_catastrophic_backtracking(text, monkeypatch):
    # Counted, not timed: every pattern the parsers apply to these inputs first runs on a model of sre's backtracking that
    # counts its steps, and must finish within a linear budget of the text it was given (Counted).
    checked = []
    for name, value in vars(reference).items():
        if isinstance(value, re.Pattern):
            monkeypatch.setattr(reference, name, Counted(value, checked))
    for func in (parse, parse_repository_path, lambda t: parse_target(t, None)):
        try:
            func(text)
        except ValueError:
            pass
    is_digest(text)
    assert checked or len(text) > reference.MAX_REFERENCE_LENGTH  # too long: refused by its length before any pattern


# parse_repository_path: bare paths inside a registry (untagged repositories, target names).
@pytest.mark.parametrize("text", ["mirror/nginx", "nginx", "library/nginx", "a/b/c/d", "ghcr.io/org/app", "my-team/app_x.y", "a" * 255])
def test_repository_path_valid(text):
    assert parse_repository_path(text) == text


@pytest.mark.parametrize("text, fragment", [
    ("", EMPTY), ("Mirror/nginx", LOWER), ("mirror/nginx:1.25", "has a tag"), ("mirror/nginx@" + F64, "has a digest"),
    ("myacr.azurecr.io/nginx", "registry host"), ("localhost:5000/nginx", "registry host"), ("localhost/nginx", "registry host"),
    ("mirror//nginx", FORMAT), ("/nginx", FORMAT), ("nginx/", FORMAT), ("mirror/../nginx", FORMAT), ("a" * 256, TOO_LONG),
    (HEX64, IDENTIFIER), ("mirror/ngin x", FORMAT),
])
def test_repository_path_invalid(text, fragment):
    rejects(text, fragment, parse_repository_path)


# parse_target: "repo[:tag]" inside an ACR.
@pytest.mark.parametrize("text, default_tag, expected", [
    ("mirror/nginx:1.25", None, ("mirror/nginx", "1.25")),
    ("mirror/nginx", "1.25", ("mirror/nginx", "1.25")),
    ("mirror/nginx", None, ("mirror/nginx", None)),
    ("nginx:Latest_1.x", "x", ("nginx", "Latest_1.x")),
    # The mirror role's air-gap names keep the source host as the first path component.
    ("ghcr.io/org/app:v2", None, ("ghcr.io/org/app", "v2")),
    ("docker.io/library/nginx:1", None, ("docker.io/library/nginx", "1")),
])
def test_target_valid(text, default_tag, expected):
    assert parse_target(text, default_tag) == expected


@pytest.mark.parametrize("text, fragment", [
    ("", EMPTY), ("mirror/nginx@" + F64, "not a digest"), ("mirror/nginx:1@" + F64, "not a digest"),
    ("myacr.azurecr.io/nginx:1", "registry host"), ("MYACR.AZURECR.IO/nginx:1", "registry host"), ("localhost:5000/nginx:1", "registry host"),
    ("Mirror/nginx:1", LOWER), ("mirror/nginx:", BAD_TAG), ("mirror/nginx:-x", BAD_TAG), ("mirror/nginx:1:2", "more than one ':'"),
    (":1", FORMAT), ("mirror/nginx:a b", FORMAT), (HEX64 + ":1", IDENTIFIER),
])
def test_target_invalid(text, fragment):
    rejects(text, fragment, lambda t: parse_target(t, "latest"))


def test_target_default_tag_is_validated():
    with pytest.raises(ValueError, match=BAD_TAG):
        parse_target("mirror/nginx", "bad tag")


@pytest.mark.parametrize("text, expected", [
    (F64, True), ("sha384:" + "a" * 96, True), ("sha512:" + "0" * 128, True),
    ("sha256:" + "F" * 64, False), ("sha256:" + "f" * 63, False), ("sha256:" + "f" * 65, False), ("md5:" + "f" * 32, False),
    ("sha256", False), ("", False), ("f" * 64, False), (" " + F64, False), (F64 + "\n", False), ("nginx@" + F64, False),
])
def test_is_digest(text, expected):
    assert is_digest(text) is expected


def test_public_constants():
    assert reference.DOCKER_HUB == "docker.io"
    assert reference.DOCKER_HUB_ALIASES == frozenset({"docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})
    assert issubclass(InvalidReferenceError, ValueError)

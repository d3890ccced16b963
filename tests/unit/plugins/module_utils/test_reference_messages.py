# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Image reference errors word for word (issue 21, mutation testing): each message names the part that is wrong (the field,
the path component, the tag, the digest, the host) and says what to write instead; test_reference.py checks their leading
words only. Bad parts after good ones (a third path component) are found too, and ImageReference built directly checks each
of its fields as parse() does."""

from __future__ import annotations

import pytest

from ansible_collections.acrops.registry.plugins.module_utils.reference import (
    ImageReference, InvalidReferenceError, parse, parse_canonical, parse_repository_path, parse_target,
)

F64 = "sha256:" + "f" * 64
EXAMPLES = "e.g. 'nginx:1.25', 'grafana/grafana:10.2.0' or 'ghcr.io/org/app@sha256:<64 hex digits>'"
HOST_RULES = "(letters, digits, inner '-' and '.', or [IPv6], then an optional numeric port)"
PATH_CHARS = "which may hold only lowercase letters, digits, '.', '_' and '-'"
PATH_ENDS = "which must start and end with a lowercase letter or digit"
PATH_SEPARATORS = ("whose separators are not allowed: between letters and digits use one '.', one or two '_', or dashes ('..' is "
                   "never allowed)")
EMPTY_COMPONENT = "has an empty path component (a leading, trailing or doubled '/')"


def message(call, *args):
    with pytest.raises(InvalidReferenceError) as caught:
        call(*args)
    return str(caught.value)


CONSTRUCTOR = [
    ((1, "app"), "invalid reference format: registry must be a string, got int"),
    (("ghcr.io", None), "invalid reference format: repository must be a string, got NoneType"),
    (("ghcr.io", "app", 1), "invalid reference format: tag must be a string or None, got int"),
    (("ghcr.io", "app", None, b"x"), "invalid reference format: digest must be a string or None, got bytes"),
    (("", "app"), "empty reference: the registry host is empty; write one, e.g. 'registry.example.com'"),
    (("ghcr.io", ""), "empty reference: the repository path is empty; write one, e.g. 'mirror/nginx'"),
    (("foo_bar.com", "app"), "invalid reference format: 'foo_bar.com' is not a valid registry host[:port]"),
    (("myhost", "app"), "invalid reference format: 'myhost' would read as a Docker Hub namespace, not a registry host: give a host "
                        "with a '.' or a port (e.g. 'registry.example.com', 'myhost:5000') or 'localhost'"),
    (("ghcr.io", "Org/app"), "repository name must be lowercase: 'Org/app' has 'Org/app': write 'org/app' instead"),
    (("ghcr.io", "org//app"), "invalid reference format: 'org//app' " + EMPTY_COMPONENT),
    (("ghcr.io", "a" * 256), "repository name too long: %s... (256 characters) has a repository path of 256 characters: it must "
                             "not be more than 255 characters" % ascii("a" * 72)),
    (("ghcr.io", "app", ""), "invalid reference format: '' has an empty tag after ':' (invalid tag): write name:TAG or drop the ':'"),
    (("ghcr.io", "app", "a b"), "invalid reference format: 'a b' contains whitespace (' ') at position 1, which is not allowed in a "
                                "tag: remove or replace it"),
    (("ghcr.io", "app", "-x"), "invalid reference format: '-x' has an invalid tag '-x': a tag cannot start with '.' or '-'"),
    (("ghcr.io", "app", None, ""), "invalid reference format: '' has an invalid digest '': write algorithm:hex, e.g. 'sha256:' and 64 "
                                   "lowercase hex digits"),
    (("ghcr.io", "app", None, "sha256:x y"), "invalid reference format: 'sha256:x y' contains whitespace (' ') at position 8, which "
                                             "is not allowed in a digest: remove or replace it"),
    (("ghcr.io", "app", None, "md5:" + "a" * 32), "unsupported digest algorithm: 'md5:%s' uses the digest algorithm 'md5'; "
                                                  "supported: sha256, sha384, sha512" % ("a" * 32)),
]


@pytest.mark.parametrize("args, expected", CONSTRUCTOR, ids=lambda v: str(v)[:40])
def test_image_reference_names_the_field_that_is_wrong(args, expected):
    assert message(ImageReference, *args) == expected


def test_image_reference_normalises_docker_hub_only():
    assert ImageReference("Registry-1.Docker.IO", "nginx") == ImageReference("docker.io", "library/nginx")
    ref = ImageReference("ghcr.io", "nginx", "1", F64)
    assert (ref.registry, ref.repository, ref.tag, ref.digest) == ("ghcr.io", "nginx", "1", F64)
    assert ImageReference("localhost", "app").name == "localhost/app"
    assert ImageReference("docker.io", "org/app").repository == "org/app"


PARSE = [
    ("ghcr.io/org/-app", "invalid reference format: 'ghcr.io/org/-app' has the path component '-app', " + PATH_ENDS),
    ("ghcr.io/ok/fine/x-", "invalid reference format: 'ghcr.io/ok/fine/x-' has the path component 'x-', " + PATH_ENDS),
    ("ghcr.io/org/a+b", "invalid reference format: 'ghcr.io/org/a+b' has the path component 'a+b', " + PATH_CHARS),
    ("ghcr.io/org/a..b", "invalid reference format: 'ghcr.io/org/a..b' has the path component 'a..b', " + PATH_SEPARATORS),
    ("ghcr.io/org//b", "invalid reference format: 'ghcr.io/org//b' " + EMPTY_COMPONENT),
    ("ghcr.io/org/b/", "invalid reference format: 'ghcr.io/org/b/' " + EMPTY_COMPONENT),
    ("nginx:", "invalid reference format: 'nginx:' has an empty tag after ':' (invalid tag): write name:TAG or drop the ':'"),
    ("nginx:" + "a" * 129, "invalid reference format: %s... (135 characters) has an invalid tag: tags have at most 128 characters, "
                           "this one has 129" % ascii("nginx:" + "a" * 66)),
    ("nginx:.x", "invalid reference format: 'nginx:.x' has an invalid tag '.x': a tag cannot start with '.' or '-'"),
    ("nginx:a+b", "invalid reference format: 'nginx:a+b' has an invalid tag 'a+b': tags hold only letters, digits, '_', '.' and '-'"),
    ("nginx@sha256", "invalid reference format: 'nginx@sha256' has an invalid digest 'sha256': write algorithm:hex, e.g. 'sha256:' "
                     "and 64 lowercase hex digits"),
    ("nginx@md5:" + "f" * 32, "unsupported digest algorithm: 'nginx@md5:%s' uses the digest algorithm 'md5'; supported: sha256, "
                              "sha384, sha512" % ("f" * 32)),
    ("nginx@SHA256:" + "f" * 64, "unsupported digest algorithm: 'nginx@SHA256:%s' uses the digest algorithm 'SHA256' (write it in "
                                 "lowercase: sha256); supported: sha256, sha384, sha512" % ("f" * 64)),
    ("nginx@sha256:" + "f" * 63, "invalid digest: 'nginx@sha256:%s' has a sha256 digest of 63 hex digits; sha256 needs exactly 64 "
                                 "(invalid checksum digest length)" % ("f" * 63)),
    ("nginx@sha512:" + "f" * 64, "invalid digest: 'nginx@sha512:%s' has a sha512 digest of 64 hex digits; sha512 needs exactly 128 "
                                 "(invalid checksum digest length)" % ("f" * 64)),
    ("nginx@sha256:" + "F" * 64, "invalid digest: 'nginx@sha256:%s' has a sha256 digest with uppercase hex digits: write them in "
                                 "lowercase (invalid checksum digest format)" % ("F" * 64)),
    ("foo_bar.com/app", "invalid reference format: 'foo_bar.com/app' starts with 'foo_bar.com', which reads as a registry host but is "
                        "no valid host[:port] " + HOST_RULES),
    ("a@b@c", "invalid reference format: 'a@b@c' has more than one '@': write one digest, name[:tag]@sha256:<hex>"),
    (":tag", "invalid reference format: ':tag' has no repository name before the ':': write name:tag, " + EXAMPLES),
    ("@" + F64, "invalid reference format: '@%s' has no repository name before the '@': write name@digest, %s" % (F64, EXAMPLES)),
]


@pytest.mark.parametrize("text, expected", PARSE, ids=lambda v: str(v)[:40])
def test_parse_says_which_part_is_wrong_and_what_to_write(text, expected):
    assert message(parse, text) == expected


def test_inside_a_registry_hosts_are_refused_with_the_path_to_write():
    assert message(parse_target, "myacr.azurecr.io/app:1", None) == (
        "invalid reference format: 'myacr.azurecr.io/app:1' starts with the registry host 'myacr.azurecr.io': a target is a path "
        "inside the registry, write 'app:1'")
    assert message(parse_target, "host:5000/app", None).endswith("starts with the registry host 'host:5000': a target is a path "
                                                                 "inside the registry, write 'app'")
    assert message(parse_repository_path, "LocalHost/app").endswith("starts with the registry host 'LocalHost': a repository path "
                                                                    "is a path inside the registry, write 'app'")
    assert message(parse_repository_path, "MyAcr.AzureCR.us/app").startswith("invalid reference format: 'MyAcr.AzureCR.us/app' "
                                                                             "starts with the registry host 'MyAcr.AzureCR.us'")
    assert message(parse_repository_path, "ok/a+b") == "invalid reference format: 'ok/a+b' has the path component 'a+b', " + PATH_CHARS
    # One component is a repository, not a host; a dotted first component is a valid path.
    assert parse_repository_path("localhost") == "localhost" and parse_target("ghcr.io/org/app:1", None) == ("ghcr.io/org/app", "1")


def test_parse_canonical_says_what_the_canonical_form_is():
    assert message(parse_canonical, "nginx") == ("repository name must be canonical: 'nginx' is not in canonical form: write "
                                                 "'docker.io/library/nginx'")


def test_the_first_problem_of_a_tag_or_digest_is_the_one_named():
    # A 128-character tag is not too long: what is wrong with it is its first character.
    assert message(parse, "nginx:." + "a" * 127).endswith("has an invalid tag '.%s': a tag cannot start with '.' or '-'" % ("a" * 127))
    assert message(parse, "nginx:X+1").endswith("has an invalid tag 'X+1': tags hold only letters, digits, '_', '.' and '-'")
    # A long malformed digest is quoted up to its 80th character.
    assert "has an invalid digest %s: write" % ascii("sha256:" + "g" * 73) in message(parse, "nginx@sha256:" + "g" * 100)


def test_docker_hub_official_names_are_checked_with_library_and_shown_as_written():
    assert message(ImageReference, "docker.io", "Nginx") == "repository name must be lowercase: 'Nginx' has 'Nginx': write 'nginx' instead"
    # library/ counts towards the 255 characters: 250 written are 258 stored.
    assert message(ImageReference, "docker.io", "a" * 250).startswith("repository name too long: %s... (250 characters) has a "
                                                                      "repository path of 258 characters" % ascii("a" * 72))
    assert ImageReference("docker.io", "a" * 247).repository == "library/" + "a" * 247


def test_a_colon_before_the_last_slash_is_part_of_the_path_not_a_tag():
    assert message(parse, "ghcr.io/a:b/c") == "invalid reference format: 'ghcr.io/a:b/c' has the path component 'a:b', " + PATH_CHARS


def test_uppercase_is_blamed_only_when_lowercase_would_parse():
    assert message(parse, "ghcr.io/org/app:-Bad") == ("invalid reference format: 'ghcr.io/org/app:-Bad' has an invalid tag '-Bad': "
                                                      "a tag cannot start with '.' or '-'")


def test_a_login_server_before_a_nested_path_is_refused():
    assert message(parse_target, "myacr.azurecr.io/org/app:1", None).endswith(
        "starts with the registry host 'myacr.azurecr.io': a target is a path inside the registry, write 'org/app:1'")

# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test images without Docker: tiny OCI or Docker v2 images and multi-platform indexes, pushed with plain requests.

Everything is deterministic by seed: the same call pushes the same bytes and returns the same digest, so tests
can predict digests and a "moved" tag is simply the same call with another seed.
"""

import gzip
import hashlib
import io
import json
import random
import tarfile

OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
IN_TOTO = "application/vnd.in-toto+json"
# Always ask for every manifest type: distribution answers differently (or 404) to a partial Accept.
MANIFEST_ACCEPT = ", ".join([OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST])
INDEX_TYPES = (OCI_INDEX, DOCKER_LIST)
DEFAULT_PLATFORMS = ("linux/amd64", "linux/arm64")

MEDIA = {
    "oci": {"index": OCI_INDEX, "manifest": OCI_MANIFEST, "config": OCI_CONFIG, "layer": OCI_LAYER},
    "docker": {"index": DOCKER_LIST, "manifest": DOCKER_MANIFEST, "config": DOCKER_CONFIG, "layer": DOCKER_LAYER},
}


def digest_of(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(obj):
    return json.dumps(obj, indent=3, sort_keys=False).encode("utf-8")


def _layer(seed, size):
    """A gzip'd tar with one file of `size` seeded random bytes (incompressible, so the blob is ~size bytes)."""
    data = random.Random(seed).randbytes(max(0, int(size)))
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo("payload.bin")
        info.size = len(data)
        info.mtime = 0
        info.mode = 0o644
        tar.addfile(info, io.BytesIO(data))
    tar_bytes = raw.getvalue()
    compressed = io.BytesIO()
    with gzip.GzipFile(fileobj=compressed, mode="wb", mtime=0, compresslevel=1) as gz:
        gz.write(tar_bytes)
    return compressed.getvalue(), digest_of(tar_bytes)


def _platform(text):
    parts = text.split("/")
    platform = {"architecture": parts[1] if len(parts) > 1 else "amd64", "os": parts[0]}
    if len(parts) > 2:
        platform["variant"] = parts[2]
    return platform


class Image:
    """The blobs and manifests of one image (single manifest or index), ready to push."""

    def __init__(self):
        self.blobs = {}        # digest -> bytes
        self.manifests = []    # (digest, media type, bytes), children first
        self.top = None        # (digest, media type, bytes)

    def add_blob(self, data):
        digest = digest_of(data)
        self.blobs[digest] = data
        return digest

    def add_manifest(self, obj, media_type):
        data = canonical(obj)
        entry = (digest_of(data), media_type, data)
        self.manifests.append(entry)
        return entry


def _single(image, media, seed, size, platform):
    layer, diff_id = _layer(seed, size)
    layer_digest = image.add_blob(layer)
    config = dict(platform)
    config.update({"created": "2024-01-01T00:00:00Z", "config": {"Env": ["STANDIN_SEED=%s" % seed]},
                   "rootfs": {"type": "layers", "diff_ids": [diff_id]}})
    config_bytes = canonical(config)
    config_digest = image.add_blob(config_bytes)
    manifest = {"schemaVersion": 2, "mediaType": media["manifest"],
                "config": {"mediaType": media["config"], "digest": config_digest, "size": len(config_bytes)},
                "layers": [{"mediaType": media["layer"], "digest": layer_digest, "size": len(layer)}]}
    return image.add_manifest(manifest, media["manifest"])


def _attestation(image, seed, subject_digest):
    """A buildx-style attestation manifest (platform unknown/unknown) for one child."""
    statement = canonical({"_type": "https://in-toto.io/Statement/v0.1", "predicateType": "https://slsa.dev/provenance/v0.2",
                           "subject": [{"name": "standin", "digest": {"sha256": subject_digest.split(":", 1)[1]}}],
                           "predicate": {"seed": str(seed)}})
    statement_digest = image.add_blob(statement)
    config = canonical({"architecture": "unknown", "os": "unknown", "config": {},
                        "rootfs": {"type": "layers", "diff_ids": [statement_digest]}})
    config_digest = image.add_blob(config)
    manifest = {"schemaVersion": 2, "mediaType": OCI_MANIFEST,
                "config": {"mediaType": OCI_CONFIG, "digest": config_digest, "size": len(config)},
                "layers": [{"mediaType": IN_TOTO, "digest": statement_digest, "size": len(statement),
                            "annotations": {"in-toto.io/predicate-type": "https://slsa.dev/provenance/v0.2"}}]}
    return image.add_manifest(manifest, OCI_MANIFEST)


def build_image(*, platforms=None, media="oci", size=1024, seed="standin", attestation=False):
    """Build an image. platforms: None -> a two-platform index; a string "os/arch" -> one plain manifest;
    a list -> an index of those platforms (attestation=True adds one unknown/unknown manifest per platform, OCI only)."""
    if media not in MEDIA:
        raise ValueError("media must be 'oci' or 'docker'")
    kinds = MEDIA[media]
    image = Image()
    if isinstance(platforms, str):
        image.top = _single(image, kinds, "%s|%s" % (seed, platforms), size, _platform(platforms))
        return image
    entries = []
    for number, text in enumerate(platforms if platforms is not None else DEFAULT_PLATFORMS):
        child = _single(image, kinds, "%s|%s|%d" % (seed, text, number), size, _platform(text))
        entries.append({"mediaType": kinds["manifest"], "digest": child[0], "size": len(child[2]), "platform": _platform(text)})
    if attestation:
        if media != "oci":
            raise ValueError("attestation manifests need media='oci'")
        for entry in list(entries):
            att = _attestation(image, seed, entry["digest"])
            entries.append({"mediaType": OCI_MANIFEST, "digest": att[0], "size": len(att[2]),
                            "platform": {"architecture": "unknown", "os": "unknown"},
                            "annotations": {"vnd.docker.reference.digest": entry["digest"],
                                            "vnd.docker.reference.type": "attestation-manifest"}})
    index = {"schemaVersion": 2, "mediaType": kinds["index"], "manifests": entries}
    data = canonical(index)
    image.top = (digest_of(data), kinds["index"], data)
    return image


def _session(auth, verify):
    import requests  # pylint: disable=import-outside-toplevel  # keep module import light for pytest_plugin

    session = requests.Session()
    # Never let REQUESTS_CA_BUNDLE/HTTPS_PROXY from the environment override what the caller asked for.
    session.trust_env = False
    session.verify = verify
    if auth is not None:
        session.auth = tuple(auth)
    return session


def _check(response, what):
    if response.status_code >= 300:
        raise RuntimeError("%s: HTTP %s %s" % (what, response.status_code, response.text[:300]))
    return response


def push_blob(session, base, repo, digest, data):
    if session.head("%s/v2/%s/blobs/%s" % (base, repo, digest), timeout=30).status_code == 200:
        return
    started = _check(session.post("%s/v2/%s/blobs/uploads/" % (base, repo), timeout=30), "start upload")
    location = started.headers["Location"]
    if location.startswith("/"):
        location = base + location
    joiner = "&" if "?" in location else "?"
    _check(session.put("%s%sdigest=%s" % (location, joiner, digest), data=data,
                       headers={"Content-Type": "application/octet-stream"}, timeout=60), "upload %s" % digest)


def push_built(image, storage_url, repo, tag, *, auth=None, verify=True):
    """Push a built Image to a registry's /v2 API; returns the digest of the top manifest."""
    base = storage_url.rstrip("/")
    with _session(auth, verify) as session:
        for digest, data in image.blobs.items():
            push_blob(session, base, repo, digest, data)
        top_digest = image.top[0]
        for digest, media_type, data in image.manifests:
            if digest != top_digest:
                _check(session.put("%s/v2/%s/manifests/%s" % (base, repo, digest), data=data,
                                   headers={"Content-Type": media_type}, timeout=30), "put manifest %s" % digest)
        digest, media_type, data = image.top
        response = _check(session.put("%s/v2/%s/manifests/%s" % (base, repo, tag or digest), data=data,
                                      headers={"Content-Type": media_type}, timeout=30), "put %s:%s" % (repo, tag))
        stored = response.headers.get("Docker-Content-Digest", digest)
        if stored != digest:
            raise RuntimeError("registry stored %s as %s" % (digest, stored))
        return digest


def push_image(storage_url, repo, tag, *, platforms=None, media="oci", size=1024, seed=None, attestation=False,
               auth=None, verify=True):
    """Build and push an image; returns its digest. The seed defaults to "repo:tag" so reruns are identical."""
    image = build_image(platforms=platforms, media=media, size=size, seed=seed if seed is not None else "%s:%s" % (repo, tag),
                        attestation=attestation)
    return push_built(image, storage_url, repo, tag, auth=auth, verify=verify)


def move_tag(storage_url, repo, tag, *, generation=1, seed=None, **kwargs):
    """Push a different image under the same tag (an upstream tag that moved); returns the new digest."""
    base_seed = seed if seed is not None else "%s:%s" % (repo, tag)
    return push_image(storage_url, repo, tag, seed="%s#moved-%s" % (base_seed, generation), **kwargs)


def head_digest(storage_url, repo, reference, *, auth=None, verify=True):
    """The Docker-Content-Digest a registry reports for a tag or digest, or None when absent."""
    with _session(auth, verify) as session:
        url = "%s/v2/%s/manifests/%s" % (storage_url.rstrip("/"), repo, reference)
        response = session.head(url, headers={"Accept": MANIFEST_ACCEPT}, timeout=30)
        if response.status_code == 404:
            return None
        _check(response, "HEAD %s:%s" % (repo, reference))
        return response.headers.get("Docker-Content-Digest")

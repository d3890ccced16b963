# Copyright (c) 2026 acrops.registry contributors
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Test artifacts that refer to an image: Notation signatures, SBOMs, cosign signatures and attestations, built by the tests.

Shapes follow what the tools push (no tool runs here, no real cryptography: the signature bytes are deterministic filler):
- Notation: an OCI image manifest with artifactType application/vnd.cncf.notary.signature, the empty config
  (application/vnd.oci.empty.v1+json, `{}`), one application/jose+json layer (a JWS envelope) and `subject` = the image.
- An SBOM referrer (OCI 1.1 style, as `oras attach` or `notation`-era tooling push it): artifactType application/spdx+json,
  empty config, one SPDX layer, `subject` = the image. It can be signed in turn (sign_notation with the SBOM's digest).
- cosign (tag convention, no `subject`): `sha256-<hex>.sig` (a layer application/vnd.dev.cosign.simplesigning.v1+json with
  the annotation dev.cosignproject.cosign/signature; OCI or Docker v2 manifest), `sha256-<hex>.att` (a layer
  application/vnd.dsse.envelope.v1+json holding an in-toto statement) and `sha256-<hex>.sbom` (cosign attach sbom).

Where they go (`name`, as for StandIn.push: a source key or a registry name):
- `via="storage"` (default): straight into the storage process, as images are pushed. Sources are distribution 2.8, which
  has no referrers API, so a referrer with a `subject` also updates the referrers tag schema (OCI distribution spec 1.1,
  "Referrers Tag Schema"): the tag `sha256-<hex of the subject>` holds an image index of referrer descriptors, read,
  extended and pushed again as a client without the API does. `tag_schema=False` skips that.
- `via="front"` (registries only): through the ACR data plane front with an importer token (pull,push), as notation or oras
  push to ACR. ACR has the referrers API, so the tag schema is not maintained by default there.
Every function returns the digest of the manifest it pushed; the same call pushes the same bytes (seeded).
"""

import base64
import contextlib
import hashlib
import json

from . import images

NOTATION_SIGNATURE = "application/vnd.cncf.notary.signature"
JOSE = "application/jose+json"
EMPTY_CONFIG = "application/vnd.oci.empty.v1+json"
EMPTY_JSON = b"{}"
SPDX = "application/spdx+json"
COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
COSIGN_SIGNATURE_ANNOTATION = "dev.cosignproject.cosign/signature"
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
COSIGN_SBOM_CONFIG = "application/vnd.dev.cosign.artifact.sbom.v1+json"
IN_TOTO_PAYLOAD = "application/vnd.in-toto+json"
SLSA_PROVENANCE = "https://slsa.dev/provenance/v0.2"


def referrers_tag(digest):
    """The referrers tag schema's tag for a subject: sha256:<hex> -> sha256-<hex>."""
    algorithm, _sep, encoded = digest.partition(":")
    return "%s-%s" % (algorithm[:32], encoded[:64])


def cosign_tag(digest, suffix):
    """cosign's tag for a subject's signature ('sig'), attestation ('att') or SBOM ('sbom'): sha256-<hex>.<suffix>."""
    return "%s.%s" % (referrers_tag(digest), suffix)


def _filler(seed, size=96):
    """Deterministic bytes standing in for a signature."""
    out = b""
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(("%s|%d" % (seed, counter)).encode()).digest()
        counter += 1
    return out[:size]


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Target:
    """Where artifacts are pushed: a storage process, or an emulated ACR's data plane front (with a pull,push token)."""

    def __init__(self, session, base):
        self.session = session
        self.base = base.rstrip("/")

    def push_blob(self, repo, data):
        digest = images.digest_of(data)
        images.push_blob(self.session, self.base, repo, digest, data)
        return digest

    def put_manifest(self, repo, reference, media_type, data):
        """PUT a manifest by tag or digest; returns its digest (checked against what the registry stored)."""
        response = self.session.put("%s/v2/%s/manifests/%s" % (self.base, repo, reference), data=data,
                                    headers={"Content-Type": media_type}, timeout=30)
        if response.status_code != 201:
            raise RuntimeError("put %s:%s: HTTP %s %s" % (repo, reference, response.status_code, response.text[:300]))
        digest = images.digest_of(data)
        stored = response.headers.get("Docker-Content-Digest", digest)
        if stored != digest:
            raise RuntimeError("registry stored %s as %s" % (digest, stored))
        return digest

    def get_manifest(self, repo, reference):
        """(digest, media type, bytes) of a manifest, or None when absent."""
        response = self.session.get("%s/v2/%s/manifests/%s" % (self.base, repo, reference),
                                    headers={"Accept": images.MANIFEST_ACCEPT}, timeout=30)
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise RuntimeError("get %s:%s: HTTP %s %s" % (repo, reference, response.status_code, response.text[:300]))
        return images.digest_of(response.content), response.headers.get("Content-Type", "").split(";")[0].strip(), response.content


@contextlib.contextmanager
def target(standin, name, via="storage", repo=None):
    """A Target for a source key or registry name; via="front" goes through the ACR data plane (registries only)."""
    if via == "storage":
        url, auth, verify = standin.storage(name)
        # pylint: disable-next=protected-access  # the same session images.push_image uses (no proxy, no env CA bundle)
        with images._session(auth, verify) as session:
            yield Target(session, url)
        return
    if via != "front" or name not in standin.env["registries"]:
        raise ValueError("via must be 'storage', or 'front' for an emulated ACR")
    token = standin.acr_token(name, "repository:%s:pull,push" % repo)
    with standin.proxied_session() as session:
        session.headers["Authorization"] = "Bearer " + token
        yield Target(session, "https://" + standin.env["registries"][name]["login_server"])


def _descriptor(media_type, data, annotations=None, artifact_type=None):
    descriptor = {"mediaType": media_type, "digest": images.digest_of(data), "size": len(data)}
    if artifact_type:
        descriptor["artifactType"] = artifact_type
    if annotations:
        descriptor["annotations"] = dict(annotations)
    return descriptor


def subject_descriptor(dest, repo, digest):
    """The `subject` descriptor of a manifest already in the repository (its media type and size, read back)."""
    found = dest.get_manifest(repo, digest)
    if found is None:
        raise RuntimeError("subject %s is not in %s" % (digest, repo))
    return {"mediaType": found[1], "digest": digest, "size": len(found[2])}


def add_to_tag_schema(dest, repo, subject_digest, descriptor):
    """Referrers tag schema: add `descriptor` to the index under tag sha256-<hex> (created if absent); returns its digest."""
    tag = referrers_tag(subject_digest)
    current = dest.get_manifest(repo, tag)
    index = json.loads(current[2]) if current else {"schemaVersion": 2, "mediaType": images.OCI_INDEX, "manifests": []}
    if all(m.get("digest") != descriptor["digest"] for m in index.get("manifests") or []):
        index.setdefault("manifests", []).append(descriptor)
    return dest.put_manifest(repo, tag, images.OCI_INDEX, images.canonical(index))


def push_referrer(standin, name, repo, subject_digest, artifact_type, layers, *, annotations=None, config=None,
                  tag_schema=None, via="storage"):
    """Push an OCI image manifest with artifactType and `subject` by digest (untagged), plus its blobs.

    layers: [(media type, bytes, annotations or None)]; config: (media type, bytes), default the empty config.
    tag_schema: maintain the referrers tag schema index (default: yes for sources, no for an ACR). Returns the digest."""
    if tag_schema is None:
        tag_schema = name not in standin.env["registries"]
    config_type, config_data = config or (EMPTY_CONFIG, EMPTY_JSON)
    with target(standin, name, via, repo) as dest:
        subject = subject_descriptor(dest, repo, subject_digest)
        dest.push_blob(repo, config_data)
        layer_descriptors = []
        for media_type, data, layer_annotations in layers:
            dest.push_blob(repo, data)
            layer_descriptors.append(_descriptor(media_type, data, layer_annotations))
        manifest = {"schemaVersion": 2, "mediaType": images.OCI_MANIFEST, "artifactType": artifact_type,
                    "config": _descriptor(config_type, config_data), "layers": layer_descriptors, "subject": subject}
        if annotations:
            manifest["annotations"] = dict(annotations)
        data = images.canonical(manifest)
        digest = dest.put_manifest(repo, images.digest_of(data), images.OCI_MANIFEST, data)
        if tag_schema:
            add_to_tag_schema(dest, repo, subject_digest, _descriptor(images.OCI_MANIFEST, data, annotations, artifact_type))
        return digest


def notation_envelope(subject_digest, seed):
    """A JWS (JSON serialization) shaped like Notation's: protected header, a payload naming the subject, a signature."""
    protected = {"alg": "PS256", "crit": ["io.cncf.notary.signingScheme"], "cty": "application/vnd.cncf.notary.payload.v1+json",
                 "io.cncf.notary.signingScheme": "notary.x509", "io.cncf.notary.signingTime": "2024-01-01T00:00:00Z"}
    payload = {"targetArtifact": {"mediaType": images.OCI_MANIFEST, "digest": subject_digest, "size": 0}}
    envelope = {"payload": _b64url(json.dumps(payload).encode()), "protected": _b64url(json.dumps(protected).encode()),
                "header": {"x5c": [_b64url(_filler("cert|%s" % seed, 64))]}, "signature": _b64url(_filler("sig|%s" % seed, 256))}
    return json.dumps(envelope, sort_keys=True).encode()


def sign_notation(standin, name, repo, subject_digest, *, seed=None, tag_schema=None, via="storage"):
    """A Notation-style signature of `subject_digest` in `repo` (see module doc); returns the signature manifest's digest."""
    seed = seed if seed is not None else "%s@%s|notation" % (repo, subject_digest)
    thumbprint = hashlib.sha256(_filler("cert|%s" % seed, 64)).hexdigest()
    return push_referrer(standin, name, repo, subject_digest, NOTATION_SIGNATURE, [(JOSE, notation_envelope(subject_digest, seed), None)],
                         annotations={"io.cncf.notary.x509chain.thumbprint#S256": json.dumps([thumbprint]),
                                      "org.opencontainers.image.created": "2024-01-01T00:00:00Z"},
                         tag_schema=tag_schema, via=via)


def attach_sbom(standin, name, repo, subject_digest, *, artifact_type=SPDX, seed=None, tag_schema=None, via="storage"):
    """An SBOM referrer (artifactType application/spdx+json by default) of `subject_digest`; returns its digest."""
    seed = seed if seed is not None else "%s@%s|sbom" % (repo, subject_digest)
    document = {"spdxVersion": "SPDX-2.3", "dataLicense": "CC0-1.0", "SPDXID": "SPDXRef-DOCUMENT", "name": repo,
                "documentNamespace": "https://standin.test/spdx/%s" % hashlib.sha256(seed.encode()).hexdigest(),
                "creationInfo": {"created": "2024-01-01T00:00:00Z", "creators": ["Tool: standin"]},
                "packages": [{"name": "payload", "SPDXID": "SPDXRef-payload", "versionInfo": "1.0", "downloadLocation": "NOASSERTION"}]}
    return push_referrer(standin, name, repo, subject_digest, artifact_type,
                         [(artifact_type, json.dumps(document, sort_keys=True).encode(), None)],
                         annotations={"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}, tag_schema=tag_schema, via=via)


def _cosign_manifest(dest, repo, layers, media, config_type=None):
    """cosign's sidecar manifest: a small image config and the given layers; OCI or Docker v2 media types."""
    kinds = images.MEDIA[media]
    diff_ids = [images.digest_of(data) for _type, data, _annotations in layers]
    config_data = images.canonical({"architecture": "", "created": "0001-01-01T00:00:00Z", "history": [{"created": "0001-01-01T00:00:00Z"}],
                                    "os": "", "rootfs": {"type": "layers", "diff_ids": diff_ids}, "config": {}})
    dest.push_blob(repo, config_data)
    descriptors = []
    for media_type, data, annotations in layers:
        dest.push_blob(repo, data)
        descriptors.append(_descriptor(media_type, data, annotations))
    manifest = {"schemaVersion": 2, "mediaType": kinds["manifest"],
                "config": _descriptor(config_type or kinds["config"], config_data), "layers": descriptors}
    return kinds["manifest"], images.canonical(manifest)


def _push_cosign(standin, name, repo, subject_digest, suffix, layers, media, via, config_type=None):
    with target(standin, name, via, repo) as dest:
        media_type, data = _cosign_manifest(dest, repo, layers, media, config_type)
        return dest.put_manifest(repo, cosign_tag(subject_digest, suffix), media_type, data)


def cosign_sign(standin, name, repo, subject_digest, *, media="oci", seed=None, via="storage"):
    """A cosign signature under tag sha256-<hex>.sig (simple signing payload + signature annotation); returns its digest."""
    seed = seed if seed is not None else "%s@%s|cosign-sig" % (repo, subject_digest)
    payload = json.dumps({"critical": {"identity": {"docker-reference": repo}, "image": {"docker-manifest-digest": subject_digest},
                                       "type": "cosign container image signature"}, "optional": None}, sort_keys=True).encode()
    annotations = {COSIGN_SIGNATURE_ANNOTATION: base64.b64encode(_filler(seed, 72)).decode()}
    return _push_cosign(standin, name, repo, subject_digest, "sig", [(COSIGN_SIMPLESIGNING, payload, annotations)], media, via)


def cosign_attest(standin, name, repo, subject_digest, *, predicate_type=SLSA_PROVENANCE, media="oci", seed=None, via="storage"):
    """A cosign in-toto attestation (DSSE envelope) under tag sha256-<hex>.att; returns its digest."""
    seed = seed if seed is not None else "%s@%s|cosign-att" % (repo, subject_digest)
    statement = {"_type": "https://in-toto.io/Statement/v0.1", "predicateType": predicate_type,
                 "subject": [{"name": repo, "digest": {"sha256": subject_digest.split(":", 1)[1]}}], "predicate": {"seed": seed}}
    envelope = {"payloadType": IN_TOTO_PAYLOAD, "payload": base64.b64encode(json.dumps(statement, sort_keys=True).encode()).decode(),
                "signatures": [{"keyid": "", "sig": base64.b64encode(_filler(seed, 72)).decode()}]}
    annotations = {"predicateType": predicate_type}
    return _push_cosign(standin, name, repo, subject_digest, "att", [(DSSE_ENVELOPE, json.dumps(envelope, sort_keys=True).encode(),
                                                                      annotations)], media, via)


def cosign_sbom(standin, name, repo, subject_digest, *, sbom_type="text/spdx+json", seed=None, via="storage"):
    """An SBOM attached the cosign way (`cosign attach sbom`) under tag sha256-<hex>.sbom; returns its digest."""
    seed = seed if seed is not None else "%s@%s|cosign-sbom" % (repo, subject_digest)
    document = json.dumps({"spdxVersion": "SPDX-2.3", "name": repo, "seed": seed}, sort_keys=True).encode()
    return _push_cosign(standin, name, repo, subject_digest, "sbom", [(sbom_type, document, None)], "oci", via,
                        config_type=COSIGN_SBOM_CONFIG)


def tag_schema_index(standin, name, repo, subject_digest):
    """The referrers tag schema index of a subject as stored (parsed), or None."""
    with target(standin, name, "storage", repo) as dest:
        found = dest.get_manifest(repo, referrers_tag(subject_digest))
    return json.loads(found[2]) if found else None

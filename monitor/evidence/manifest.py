"""Manifests and the content-addressed file store.

A manifest is canonical JSON (sorted keys, UTF-8, two-space indent, final newline): the same content
always gives the same bytes, so anyone can recompute its SHA-256 with `sha256sum`. Files live under
`<folder>/objects/<first two hex>/<sha256>`; a file is written once (a hard link from a temporary file,
which fails if the name exists) and made read-only, so nothing is ever overwritten.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = "monitor-evidence/1"


class EvidenceError(Exception):
    """A packet could not be frozen, shown, exported or released; the message is for the officer."""


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(data: Any) -> bytes:
    """The one byte form of a JSON document that this package hashes."""
    return (json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def parse_manifest(data: bytes, where: str) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EvidenceError(f"{where}: bukan JSON yang sah ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise EvidenceError(f"{where}: bukan manifest {FORMAT}")
    return manifest


@dataclass(frozen=True, slots=True)
class StoredFile:
    """One file of a packet: its name inside the packet, hash, size and media type."""

    name: str
    sha256: str
    size: int
    media_type: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "sha256": self.sha256, "size": self.size, "media_type": self.media_type}


class ObjectStore:
    """SHA-256 addressed files under one folder (local, or a share every server mounts)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise EvidenceError(f"bukan SHA-256: {sha256!r}")
        return self.folder / "objects" / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Store `data` once; an existing object is checked, never replaced."""
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.exists():
            if sha256_hex(target.read_bytes()) != digest:
                raise EvidenceError(f"berkas bukti {target} rusak (isinya tidak cocok dengan namanya)")
            return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, prefix=".tmp-", delete=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            temporary = Path(handle.name)
        try:
            os.chmod(temporary, 0o444)
            os.link(temporary, target)  # fails if another writer got there first: theirs is the same bytes
        except FileExistsError:
            pass
        finally:
            temporary.unlink(missing_ok=True)
        return digest

    def add(self, name: str, data: bytes, media_type: str) -> StoredFile:
        return StoredFile(name, self.put(data), len(data), media_type)

    def read(self, sha256: str) -> bytes | None:
        path = self.path(sha256)
        return path.read_bytes() if path.exists() else None

    def remove(self, sha256: str) -> bool:
        path = self.path(sha256)
        if not path.exists():
            return False
        path.unlink()
        return True

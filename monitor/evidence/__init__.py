"""Evidence packets (issue 16): freeze what was seen, hash it, chain it, verify it, hand it over.

`freeze` captures an item (the post as collected, a fresh fetch of its page, a screenshot, the matched
debunk and model reasons, the audit trail so far) into content-addressed files and a manifest that names
the previous manifest's SHA-256; `verify_store`/`verify_zip` check the chain and every file;
`export_zip` writes a zip with the case-file PDF; `release` deletes a packet's files for an item later
decided "bukan hoaks", as a new link of the chain.
"""

from monitor.evidence.export import PacketInfo, export_bytes, export_zip, packets_for
from monitor.evidence.manifest import EvidenceError
from monitor.evidence.packet import (
    FrozenPacket,
    freeze,
    freeze_on_escalation,
    freeze_pending,
    is_pending,
    pending_escalation,
    pending_items,
)
from monitor.evidence.retention import release
from monitor.evidence.verify import VerifyResult, verify_store, verify_zip

__all__ = [
    "EvidenceError",
    "FrozenPacket",
    "PacketInfo",
    "VerifyResult",
    "export_bytes",
    "export_zip",
    "freeze",
    "freeze_on_escalation",
    "freeze_pending",
    "is_pending",
    "packets_for",
    "pending_escalation",
    "pending_items",
    "release",
    "verify_store",
    "verify_zip",
]

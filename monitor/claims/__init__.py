"""The claim base (service floor): importing fact-checks (JSONL, schema.org ClaimReview) and loading the
claims that scoring matches posts against."""

from monitor.claims.base import (
    ImportSummary,
    claims_for_model,
    import_claims,
    load_claim_base,
    seed_file,
)
from monitor.claims.readers import FORMATS, ClaimFileError, ClaimItem, Rejected, read_claims

__all__ = [
    "FORMATS",
    "ClaimFileError",
    "ClaimItem",
    "ImportSummary",
    "Rejected",
    "claims_for_model",
    "import_claims",
    "load_claim_base",
    "read_claims",
    "seed_file",
]

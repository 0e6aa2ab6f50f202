"""Import skops.io without importing torch.

When imported, skops.io builds its list of trusted scikit-learn types with `sklearn.utils.all_estimators()`,
which walks every scikit-learn subpackage with `pkgutil.walk_packages`. The walk imports each package to look
inside it, including the vendored array-API shim for torch (`sklearn.externals.array_api_compat.torch`),
which imports torch: measured on a 2-core machine, loading the shipped model took 7.7 s and 472 MB of memory,
and 4.5 s and 294 MB without it, with identical scores. No estimator lives there (`all_estimators` skips
"externals" anyway), so the trusted list is the same either way (tests/test_classify_parts.py compares them).

Only that walk is affected: while skops.io is imported, importing the shim raises ImportError, which
`walk_packages` skips silently; afterwards nothing is blocked, and scikit-learn imports the shim as usual if a
torch tensor ever reaches it. When torch is already loaded there is nothing to save and nothing is blocked.
"""

from __future__ import annotations

import importlib
import importlib.abc
import sys
from collections.abc import Sequence
from types import ModuleType

TORCH_SHIM = "sklearn.externals.array_api_compat.torch"


class _SkipTorchShim(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> None:
        if fullname == TORCH_SHIM:
            raise ImportError(f"{TORCH_SHIM} is not needed to list scikit-learn's estimators")
        return None


def skops_io() -> ModuleType:
    """`skops.io`, imported without the torch shim when torch is not loaded yet."""
    if "skops.io" in sys.modules or "torch" in sys.modules:
        return importlib.import_module("skops.io")
    finder = _SkipTorchShim()
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module("skops.io")
    finally:
        sys.meta_path.remove(finder)

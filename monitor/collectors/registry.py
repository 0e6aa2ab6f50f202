"""Source type names → collector classes.

Every module in `monitor/collectors/` is imported once and `Collector` subclasses with a `type` are kept
(helpers such as `http.HttpCollector` have none), so adding
a source is one new file plus one entry in config/sources.yml. A type may also be a dotted path
(`mypackage.mymodule:MyCollector`) for collectors that live outside this package.
"""

from __future__ import annotations

import importlib
import pkgutil
import warnings
from pathlib import Path
from typing import Any

from monitor.collectors.base import Collector, SourceConfigError

_REGISTRY: dict[str, type[Collector]] | None = None


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def collector_types() -> dict[str, type[Collector]]:
    """All known collector classes by type name."""
    global _REGISTRY
    if _REGISTRY is None:
        import monitor.collectors as package

        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_"):
                importlib.import_module(f"{package.__name__}.{module.name}")
        registry: dict[str, type[Collector]] = {}
        for cls in _all_subclasses(Collector):
            name = getattr(cls, "type", None)
            if not isinstance(name, str) or getattr(cls, "__abstractmethods__", None):
                continue
            if name in registry and registry[name] is not cls:
                first, second = registry[name].__module__, cls.__module__
                raise SourceConfigError(f"two collectors claim the type {name!r}: {first} and {second}")
            registry[name] = cls
        _REGISTRY = registry
    return dict(_REGISTRY)


def collector_class(type_name: str, *, source: str = "?", origin: str = "config") -> type[Collector]:
    """The class for a type name or a 'module:Class' path; SourceConfigError naming the source if unknown."""
    if ":" in type_name:
        module_name, _, class_name = type_name.partition(":")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                module = importlib.import_module(module_name)
            cls = getattr(module, class_name)
        except (ImportError, AttributeError) as exc:
            raise SourceConfigError(
                f"{origin}: source {source!r}: type {type_name!r} cannot be loaded: {exc}"
            ) from None
        if not (isinstance(cls, type) and issubclass(cls, Collector)):
            raise SourceConfigError(f"{origin}: source {source!r}: {type_name!r} is not a Collector subclass")
        return cls
    known = collector_types()
    if type_name not in known:
        choices = ", ".join(sorted(known))
        raise SourceConfigError(
            f"{origin}: source {source!r}: unknown type {type_name!r}; known types: {choices}"
        )
    return known[type_name]


def build_collector(
    name: str,
    type_name: str,
    options: dict[str, Any] | None,
    *,
    origin: str = "config",
    home: Path | None = None,
) -> Collector:
    """A ready collector from one config entry; option errors name origin, source and field."""
    cls = collector_class(type_name, source=name, origin=origin)
    collector = cls.from_config(name, options, origin=origin)
    with_home = getattr(collector, "with_home", None)
    if home is not None and callable(with_home):
        with_home(home)
    return collector


def validate_sources(sources: list[Any], *, origin: str = "config/sources.yml") -> list[str]:
    """Check every configured source's type and options; returns the problems (empty when all is well)."""
    problems = []
    for source in sources:
        try:
            cls = collector_class(source.type, source=source.name, origin=origin)
            cls.parse_options(source.options, source=source.name, origin=origin)
        except SourceConfigError as exc:
            problems.append(exc.message)
    return problems

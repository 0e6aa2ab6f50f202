"""Inbox folder: CSV/JSONL exports dropped into data/inbox/ are imported once.

Each file is read with the same reader as `monitor import` (bad lines become rejected lines with their
line number). The cursor counts the records of the current file already handed to the pipeline, so a crash
resumes on the next line. Only after the pipeline has committed a file's last record (`finish()`, called
by the collection service after a successful run — or at the start of the next run, from the committed
cursor) is the file moved to `done/`; a file that cannot be read, or has no valid record at all, goes to
`failed/` with a `<name>.reason.txt` saying why. Files with some rejected lines go to `done/` with a
`<name>.rejected.txt` summing them up (the first 200) and `<name>.rejects.jsonl` listing every one (line,
reason, excerpt; written as the file is read, in `.rejects/` until the file moves). Whatever goes wrong
while reading one file (not only a format error) sends that file to `failed/`; the next file is read.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import Field

from monitor.collectors.base import Collector, CollectorOptions, SourceUnavailable
from monitor.collectors.files import RejectedLine, read_records
from monitor.collectors.rejects import RejectLog
from monitor.records import RawPost

log = logging.getLogger(__name__)

_MAX_REPORTED = 200


class InboxOptions(CollectorOptions):
    path: Path = Field(Path("data/inbox"), description="Folder watched for exports (relative to the home).")
    patterns: list[str] = Field(default_factory=lambda: ["*.jsonl", "*.ndjson", "*.csv"], min_length=1)
    platform: str | None = Field(None, description="Platform for rows that do not name one.")
    mapping: dict[str, str] = Field(default_factory=dict, description="field → column, as `import --map`.")


def _stamp(path: Path) -> dict[str, int]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}


def _unique_target(folder: Path, name: str) -> Path:
    target = folder / name
    if not target.exists():
        return target
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    return folder / f"{Path(name).stem}.{stamp}{Path(name).suffix}"


class InboxCollector(Collector):
    """CSV/JSONL files dropped into the inbox folder."""

    type = "inbox"
    Options = InboxOptions
    description = "Folder kotak masuk: berkas ekspor CSV/JSONL diimpor sekali"

    def __init__(self, name: str, options: InboxOptions) -> None:
        super().__init__(name, options)
        self.options: InboxOptions = options
        self._rejections: dict[str, list[str]] = {}

    def with_home(self, home: Path) -> InboxCollector:
        """Resolve a relative inbox path against the project home."""
        if not self.options.path.is_absolute():
            self.options = self.options.model_copy(update={"path": home / self.options.path})
        return self

    @property
    def folder(self) -> Path:
        return self.options.path

    def pending_files(self) -> list[Path]:
        found: set[Path] = set()
        for pattern in self.options.patterns:
            found.update(p for p in self.folder.glob(pattern) if p.is_file())
        # Oldest first: exports are imported in the order they were dropped.
        return sorted(found, key=lambda p: (p.stat().st_mtime_ns, p.name))

    def fetch(self, cursor: dict[str, Any] | None) -> Iterator[RawPost]:
        if not self.folder.is_dir():
            raise SourceUnavailable(f"inbox folder {self.folder} does not exist")
        files_state: dict[str, Any] = {k: dict(v) for k, v in ((cursor or {}).get("files") or {}).items()}
        self._cursor = {"files": files_state}
        # Files whose last record was committed by an earlier run that did not get to move them.
        for name, state in list(files_state.items()):
            path = self.folder / name
            if (
                state.get("complete")
                and path.is_file()
                and _stamp(path)
                == {
                    "size": state.get("size"),
                    "mtime_ns": state.get("mtime_ns"),
                }
            ):
                self._settle(path, state)
            if not path.is_file():
                files_state.pop(name, None)
        return self._limited(self._read_all(files_state))  # type: ignore[arg-type]

    def _read_all(self, files_state: dict[str, Any]) -> Iterator[RawPost | RejectedLine]:
        for path in self.pending_files():
            state = files_state.get(path.name)
            stamp = _stamp(path)
            if (
                state is None
                or state.get("size") != stamp["size"]
                or state.get("mtime_ns") != stamp["mtime_ns"]
            ):
                state = {**stamp, "consumed": 0, "good": 0, "rejected": 0, "complete": False}
                files_state[path.name] = state
            if state.get("complete"):
                continue
            skip = int(state.get("consumed") or 0)
            rejections = self._rejections.setdefault(path.name, [])
            reject_log = self._reject_log(path.name, fresh=skip == 0)
            try:
                for index, record in enumerate(
                    read_records(path, platform=self.options.platform, mapping=self.options.mapping)
                ):
                    if index < skip:
                        continue
                    state["consumed"] = index + 1
                    if isinstance(record, RejectedLine):
                        state["rejected"] = int(state.get("rejected") or 0) + 1
                        reject_log.write(record)
                        if len(rejections) < _MAX_REPORTED:
                            rejections.append(f"line {record.line_no}: {record.reason}")
                    else:
                        state["good"] = int(state.get("good") or 0) + 1
                    yield record
            except Exception as exc:  # any failure to read this file: it goes to failed/, the next is read
                log.warning("inbox: %s cannot be read: %s", path.name, exc)
                self._move(path, "failed", reason=f"{path.name}: the file cannot be read: {exc}\n")
                files_state.pop(path.name, None)
                continue
            finally:
                reject_log.close()
            state["complete"] = True

    def finish(self) -> None:
        """Called once the pipeline committed everything yielded: move completed files out of the inbox."""
        files_state = (self._cursor or {}).get("files") or {}
        for name, state in list(files_state.items()):
            path = self.folder / name
            if state.get("complete") and path.is_file():
                self._settle(path, state)

    def _settle(self, path: Path, state: dict[str, Any]) -> None:
        rejections = self._rejections.pop(path.name, [])
        good, rejected = int(state.get("good") or 0), int(state.get("rejected") or 0)
        if good == 0 and rejected > 0:
            lines = "\n".join(rejections) or "(details were reported during an earlier run)"
            reason = f"{path.name}: no valid record in {rejected} line(s); the first problems:\n{lines}\n"
            self._move(path, "failed", reason=reason)
        elif good == 0:
            self._move(path, "failed", reason=f"{path.name}: the file holds no records\n")
        else:
            report = None
            if rejected:
                report = (
                    f"{path.name}: {good} record(s) imported, {rejected} line(s) rejected:\n"
                    + "\n".join(rejections)
                    + "\n"
                )
            self._move(path, "done", report=report)

    def _reject_log(self, name: str, *, fresh: bool) -> RejectLog:
        return RejectLog(self.folder / ".rejects" / f"{name}.rejects.jsonl", fresh=fresh)

    def _move(
        self, path: Path, outcome: str, *, reason: str | None = None, report: str | None = None
    ) -> Path:
        folder = self.folder / outcome
        folder.mkdir(parents=True, exist_ok=True)
        target = _unique_target(folder, path.name)
        shutil.move(str(path), str(target))
        pending = self._reject_log(path.name, fresh=False).path
        if pending.is_file():
            shutil.move(str(pending), str(folder / f"{target.name}.rejects.jsonl"))
        if reason is not None:
            (folder / f"{target.name}.reason.txt").write_text(reason, encoding="utf-8")
        if report is not None:
            (folder / f"{target.name}.rejected.txt").write_text(report, encoding="utf-8")
        log.info("inbox: %s → %s/", path.name, outcome)
        return target

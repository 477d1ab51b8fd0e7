"""Structured logs (structlog) that never contain an API key.

Every record, Pidgin's own and the SDKs' (through the standard library's logging), passes
a redacting processor that hides the values of credential-named fields and every known
key value wherever it appears. Logs go to stderr at WARNING by default; set
``PIDGIN_LOG_LEVEL`` (debug, info, ...) and ``PIDGIN_LOG_FILE`` (JSON lines) to change that.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

from pidgin.errors import PidginError

LEVEL_VARIABLE = "PIDGIN_LOG_LEVEL"
FILE_VARIABLE = "PIDGIN_LOG_FILE"


def redact_secrets(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: hide credentials in every field, nested values included."""
    # Imported at the first record, not at start-up: most commands never log.
    from pidgin.providers.keys import known_secrets
    from pidgin.providers.redaction import redact_value

    secrets = known_secrets()
    redacted = redact_value(dict(event_dict), secrets)
    assert isinstance(redacted, dict)
    event_dict.clear()
    event_dict.update(redacted)
    return event_dict


class _RedactingFormatter(logging.Formatter):
    """Plain stdlib records with every known key value hidden (for --light logging)."""

    def format(self, record: logging.LogRecord) -> str:
        from pidgin.providers.keys import known_secrets
        from pidgin.providers.redaction import redact_text

        return redact_text(super().format(record), known_secrets())


def configure_logging(
    level: str | None = None, path: str | None = None, *, light: bool = False
) -> None:
    """Route Pidgin's and third-party logs through the redacting processor.

    ``light``: for commands that never log through structlog (listings), only the
    standard library's records are routed, redacted, to stderr, and structlog (which
    loads rich, a third of such a command's start-up) is not imported.
    """
    level_name = (level or os.environ.get(LEVEL_VARIABLE) or "warning").upper()
    numeric = logging.getLevelNamesMapping().get(level_name, logging.WARNING)
    target = path or os.environ.get(FILE_VARIABLE)
    if light and not target:
        plain = logging.StreamHandler(sys.stderr)
        plain.setFormatter(_RedactingFormatter("%(levelname)s %(name)s: %(message)s"))
        _install(plain, numeric)
        return
    import structlog

    shared: list[Any] = [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if target
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            redact_secrets,
            renderer,
        ],
    )
    handler: logging.Handler = logging.StreamHandler(sys.stderr)
    try:
        if target:
            handler = logging.FileHandler(target, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise PidginError(f"{FILE_VARIABLE}={target}: cannot write to it: {reason}") from None
    handler.setFormatter(formatter)
    _install(handler, numeric)


def _install(handler: logging.Handler, level: int) -> None:
    """Make ``handler`` the root logger's (replacing one installed before)."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_pidgin", False):
            root.removeHandler(existing)
            existing.close()
    handler._pidgin = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)


@contextlib.contextmanager
def console_logs_quieted(active: bool = True) -> Iterator[None]:
    """While the live view draws a conversation on the terminal, show only errors there.

    Warnings (a provider error, a retry) would cut into the streamed lines, and the view
    shows those itself, as recorded. A level the user set with PIDGIN_LOG_LEVEL, and a
    log file, are left alone.
    """
    handlers = [
        handler
        for handler in logging.getLogger().handlers
        if getattr(handler, "_pidgin", False)
        and isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
    ]
    if not active or os.environ.get(LEVEL_VARIABLE):
        handlers = []
    levels = [handler.level for handler in handlers]
    for handler in handlers:
        handler.setLevel(max(handler.level, logging.ERROR))
    try:
        yield
    finally:
        for handler, level in zip(handlers, levels, strict=True):
            handler.setLevel(level)

"""Structured logging: JSON lines in production, readable lines locally.

Every line carries the context bound by `RequestContext` (service, correlation id, caller)
and, with tracing on, the trace and span ids of the span it was logged in.

A traceback in the log means a bug. nameko logs an exception an entrypoint expects (a
ServiceError raised on purpose: a 404, a 409, a 403) with its whole traceback, once in every
container it passes through (the service's, then the gateway's); here each such refusal is
one line, `worker_refused`, with its code. Unexpected exceptions keep their traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, cast

import structlog
from structlog.typing import Processor

from services.common.tracing import add_trace_ids

# what nameko's ServiceContainer._run_worker logs, with the traceback, for an expected error
EXPECTED_ERROR_LINE = "(expected) error handling worker %s: %s"


def configure_logging(log_format: str = "console", level: str = "INFO", stream=None) -> None:
    renderer: list[Processor] = (
        # a JSON line carries a traceback as text (the console renders its own)
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
        if log_format == "json"
        else [structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty())]
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        add_trace_ids,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderer],
            # lines from nameko, kombu and SQLAlchemy get the same context and format
            foreign_pre_chain=shared,
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("kombu").setLevel(max(logging.WARNING, root.level))
    logging.getLogger("amqp").setLevel(max(logging.WARNING, root.level))
    containers = logging.getLogger("nameko.containers")
    if not any(isinstance(each, RefusalsInOneLine) for each in containers.filters):
        containers.addFilter(RefusalsInOneLine())


class RefusalsInOneLine(logging.Filter):
    """Drops nameko's line for an expected error and logs `worker_refused` instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg != EXPECTED_ERROR_LINE:
            return True
        worker_ctx, error = cast(tuple[Any, BaseException], record.args)
        get_logger("nameko.containers").info(
            "worker_refused",
            code=getattr(error, "code", type(error).__name__),
            error=type(error).__name__,
            message=str(error),
            service=worker_ctx.container.service_name,
            entrypoint=worker_ctx.entrypoint.method_name,
        )
        return False


def get_logger(name: str):
    return structlog.get_logger(name)

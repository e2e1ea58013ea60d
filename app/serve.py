"""The production command: ``WEB_CONCURRENCY`` uvicorn worker processes behind one socket.

``python -m app.serve`` (or ``./scripts/production``). Settings come from the environment, as for
the app. Before any worker starts, this process:

- refuses a configuration that must never serve (a default secret in production, a bad
  ``TRUSTED_PROXIES``), with exit code 2;
- gives the workers a fresh Prometheus multiprocess directory (``PROMETHEUS_MULTIPROC_DIR``: the
  operator's, emptied, or a temporary one removed at exit), so that ``/metrics`` adds up every
  worker;
- serves the metrics on ``METRICS_HOST:METRICS_PORT`` when that is set (no token there: bind it to
  an interface only the scraper reaches);
- logs JSON lines itself when ``LOG_FORMAT`` is ``json`` (uvicorn's loggers go to the same root
  handler; uvicorn's access log is off: the app writes one line per request with its request id).

uvicorn handles SIGTERM/SIGINT: the supervisor passes SIGTERM to each worker; a worker stops
accepting, lets in-flight requests finish (up to ``GRACEFUL_SHUTDOWN_SECONDS``), then runs the
app's shutdown, which closes the database and Redis pools.

Forwarding headers are never interpreted by uvicorn (``proxy_headers=False``): the app alone
decides, from ``TRUSTED_PROXIES`` (``app.api.client_address``).
"""

from __future__ import annotations

import atexit
import glob
import logging
import os
import shutil
import sys
import tempfile
from typing import Any

import uvicorn
from uvicorn.config import LOGGING_CONFIG

from app.config import PROMETHEUS_MULTIPROC_DIR, ConfigurationError, Settings, get_settings

__all__ = ("main",)

APP_FACTORY = "app.api.application:create_app"
MULTIPROC_ENV = PROMETHEUS_MULTIPROC_DIR.variable  # read by prometheus_client when it is first imported

logger = logging.getLogger("app.serve")


def _multiprocess_directory() -> str:
    """A metrics directory with no samples of an earlier run, exported to the workers."""
    directory = os.environ.get(MULTIPROC_ENV)
    if directory:
        os.makedirs(directory, exist_ok=True)
        for stale in glob.glob(os.path.join(directory, "*.db")):
            os.remove(stale)
    else:
        directory = tempfile.mkdtemp(prefix="saas-metrics-")
        atexit.register(shutil.rmtree, directory, ignore_errors=True)
        os.environ[MULTIPROC_ENV] = directory
    return directory


def _uvicorn_logging(settings: Settings) -> dict[str, Any] | None:
    """JSON: uvicorn's loggers hand their records to the root handler; text: uvicorn's own config."""
    if settings.log_format != "json":
        return None
    loggers = {
        name: {"level": level, "handlers": [], "propagate": True}
        for name, level in (("uvicorn", settings.log_level), ("uvicorn.error", settings.log_level))
    }
    loggers["uvicorn.access"] = {"level": "WARNING", "handlers": [], "propagate": True}
    return {"version": 1, "disable_existing_loggers": False, "loggers": loggers}


def main() -> int:
    try:
        settings = get_settings()
        settings.check()
        # Imported here, after the check: the app's modules must see the multiprocess directory.
        _multiprocess_directory()
        from app.api.client_address import TrustedProxies
        from app.log import install_json_root_handler
        from app.metrics import metrics_registry

        TrustedProxies.parse(settings.trusted_proxies, settings.trusted_proxy_header)
    except ConfigurationError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    if settings.log_format == "json":
        install_json_root_handler()
        logging.getLogger("app").setLevel(settings.log_level)
    if settings.metrics_port:
        from prometheus_client import start_http_server

        start_http_server(settings.metrics_port, settings.metrics_host, registry=metrics_registry())
        logger.info("metrics on http://%s:%d/metrics", settings.metrics_host, settings.metrics_port)
    logger.info(
        "starting %d worker(s) on %s:%d (%s)", settings.workers, settings.host, settings.port, settings.environment
    )
    log_config = _uvicorn_logging(settings)
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        timeout_graceful_shutdown=settings.graceful_shutdown_seconds,
        lifespan="on",
        proxy_headers=False,
        server_header=False,
        access_log=False,
        log_level=settings.log_level.lower(),
        log_config=log_config if log_config is not None else LOGGING_CONFIG,
    )
    logger.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())

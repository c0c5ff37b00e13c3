"""gunicorn's settings for Harkop: `gunicorn -c gunicorn.conf.py wsgi:app` (docs/deployment.md).

One worker per core, two threads each (gthread), as measured in docs/operations.md: while one
thread waits for the database the other runs; more threads per worker only lengthen the slowest
answers. The environment may override each value:

- `HARKOP_BIND` (default `127.0.0.1:8000`: nginx in front, on the same machine);
- `HARKOP_WEB_WORKERS` (default: the number of cores this process may use);
- `HARKOP_WEB_THREADS` (default 2);
- `HARKOP_WEB_TIMEOUT` (seconds a request may take before its worker is replaced; default 60).

gunicorn's own messages are JSON lines like the app's (`harkop/logs.py`); the app writes one
access line per request with its request id, so gunicorn's access log stays off.
"""

import os


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


bind = os.environ.get("HARKOP_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("HARKOP_WEB_WORKERS") or _cores())
threads = int(os.environ.get("HARKOP_WEB_THREADS") or 2)
worker_class = "gthread"
timeout = int(os.environ.get("HARKOP_WEB_TIMEOUT") or 60)
graceful_timeout = 20
# Phones at the gate scan every few seconds: keep their connections open between scans.
keepalive = 10
accesslog = None
errorlog = "-"
loglevel = os.environ.get("HARKOP_GUNICORN_LOG_LEVEL", "info")
# Clients' addresses and HTTPS come through the proxy's headers only when HARKOP_PROXY_FIX is set
# (the app's ProxyFix); gunicorn itself trusts no forwarded headers.
forwarded_allow_ips = ""
# gunicorn's control socket sits at one path per user: two instances on one machine would fight
# over it, and Harkop is controlled by signals (systemd) only.
control_socket_disable = True
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "harkop.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    },
    "root": {"level": "INFO", "handlers": ["stderr"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "INFO", "handlers": [], "propagate": True},
        "alembic": {"level": "WARNING"},
    },
}

"""What every benchmark shares: a scratch PostgreSQL database, Django set up on it, the run and its verdict."""

from __future__ import annotations

import os
import signal
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}


@contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """Create an empty database on the server of ``server_url``; yield its URL; drop it afterwards."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(server_url)
    name = f"fieldbox_bench_{os.getpid()}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django not set up yet: nothing to close
            pass
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def setup_django(name: str, database_url: str, *, test_client: bool = False) -> None:
    """Django on the scratch database, migrated; ``test_client`` lets django.test.Client's host in."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fieldbox.config.settings")
    os.environ.setdefault("FIELDBOX_TESTING", "1")
    import django

    # whitenoise warns once per process when collectstatic never ran: irrelevant to what is measured
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit(f"bench {name}: needs PostgreSQL, the database is {connection.vendor}")
    if test_client and "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0, interactive=False)


def run(name: str, measure: Callable[[], bool], *, test_client: bool = False) -> int:
    """Run ``measure`` on a scratch database; print the summary line; 0 when it passed."""
    server_url = os.environ.get("DATABASE_URL", "")
    if urlsplit(server_url).scheme not in POSTGRES_SCHEMES:
        print(f"bench {name}: needs PostgreSQL; set DATABASE_URL (or run `make bench B={name}`)", file=sys.stderr)
        print(f"bench {name}: FAIL")
        return 1
    # A terminated run still drops its scratch database.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    passed = False
    try:
        with scratch_database(server_url) as url:
            setup_django(name, url, test_client=test_client)
            passed = measure()
    except SystemExit as exc:  # a refusal or SIGTERM: the scratch database is gone, report the failure
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except Exception:
        traceback.print_exc()
    sys.stderr.flush()
    print(f"bench {name}: {'PASS' if passed else 'FAIL'}", flush=True)
    return 0 if passed else 1

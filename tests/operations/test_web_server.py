"""
The web server production runs (kbsite/serve.py, as the Dockerfile and docker-compose.yml start
it): granian, with workers forked from a master that has already loaded the application, so that
they share it, answering on connections kept alive.
"""

import http.client
import json
import os

import pytest

from bench.harness import LOCAL_PRODUCTION, HarnessError, Servers, start_app_server

pytestmark = pytest.mark.skipif(
    not os.path.exists("/proc/self/status"), reason="forks workers: Linux only"
)


def production_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    return env | LOCAL_PRODUCTION | database | {"SECRET_KEY": "s" * 50}


def get_twice(port, path):
    """Two GETs on one connection: (statuses, bodies, whether the second reused the socket)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        statuses, bodies, sockets = [], [], []
        for _ in range(2):
            connection.request("GET", path, headers={"Host": "127.0.0.1"})
            response = connection.getresponse()
            statuses.append(response.status)
            bodies.append(response.read())
            sockets.append(connection.sock)
        return statuses, bodies, sockets[0] is not None and sockets[0] is sockets[1]
    finally:
        connection.close()


@pytest.fixture
def servers(tmp_path):
    with Servers(tmp_path) as servers:
        yield servers


def test_the_workers_are_forked_from_a_master_that_loaded_the_application(servers, tmp_path):
    server = start_app_server(
        servers,
        "web",
        production_env(tmp_path),
        workers=2,
        ready="/",
        app="tests.operations.loaded_where",
    )

    statuses, bodies, kept_alive = get_twice(server.port, "/")

    assert statuses == [200, 200]
    assert kept_alive
    answer = json.loads(bodies[0])
    assert answer["loaded_in"] == server.process.pid
    assert answer["served_by"] != server.process.pid
    # kbsite/serve.py froze what the master loaded, and the worker after its first request.
    assert answer["frozen"] > 0


def test_production_answers_its_health_check_through_the_web_server(servers, tmp_path):
    try:
        server = start_app_server(servers, "web", production_env(tmp_path), workers=1)
    except HarnessError as error:
        pytest.fail(str(error))

    statuses, bodies, kept_alive = get_twice(server.port, "/healthz/")

    assert statuses == [200, 200]
    assert json.loads(bodies[1]) == {"status": "ok", "database": "ok"}
    assert kept_alive

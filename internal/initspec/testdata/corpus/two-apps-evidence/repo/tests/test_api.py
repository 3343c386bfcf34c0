from fastapi.testclient import TestClient

from service.api import api

client = TestClient(api)


def test_health():
    assert client.get("/health").status_code == 200

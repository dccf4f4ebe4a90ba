import pytest


@pytest.fixture
def estate(client):
    response = client.put(
        "/api/v1/estates/YG", json={"name": "阳光花园", "timezone": "Asia/Shanghai"}
    )
    assert response.status_code == 201, response.text
    return response.json()

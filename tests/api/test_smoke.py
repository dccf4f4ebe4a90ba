def test_put_estate_then_read_it_back(client):
    response = client.put("/api/v1/estates/E1", json={"name": "阳光花园"})
    assert response.status_code == 201, response.text
    assert client.get("/api/v1/estates/E1").json()["timezone"] == "Asia/Shanghai"

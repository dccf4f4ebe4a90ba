"""Whatever a client sends, the answer is a 2xx or a readable 4xx, never a 500."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import callback_body, job_body

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _mutations(base: dict) -> st.SearchStrategy[dict]:
    keys = st.sampled_from([*base.keys(), "extra", ""])
    return st.dictionaries(keys, json_values, max_size=4).map(lambda changes: {**base, **changes})


def _check(response) -> None:
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert isinstance(response.json()["detail"], str) and response.json()["detail"]


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@FUZZ
@given(body=_mutations(job_body()))
def test_job_bodies_never_cause_a_server_error(client, estate, body):
    _check(client.post("/api/v1/jobs", json=body))


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@FUZZ
@given(body=_mutations(callback_body()))
def test_callback_bodies_never_cause_a_server_error(client, estate, body):
    client.post("/api/v1/jobs", json=job_body())
    _check(client.post("/api/v1/jobs/J-1/callbacks", json=body))


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
@FUZZ
@given(
    body=st.dictionaries(
        st.sampled_from(["name", "timezone", "windows_hours", "targets_pct", "x"]),
        json_values,
        max_size=4,
    ),
    code=st.text(
        st.characters(
            min_codepoint=0x21, exclude_characters="/?#%\\\x7f", exclude_categories=("Cc", "Cs")
        ),
        min_size=1,
        max_size=70,
    ),
)
def test_estate_bodies_never_cause_a_server_error(client, body, code):
    _check(client.put(f"/api/v1/estates/{code}", json=body))

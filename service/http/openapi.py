"""The OpenAPI schema as the API really answers: every ``/api/v1`` operation documents the bearer
key, and its refusals with the bodies they carry.

FastAPI documents a 422 of its own (``HTTPValidationError``, ``detail`` a list), which is not what
``http.errors`` sends (``detail`` a readable line, ``errors`` the list), and none of the other
refusals. ``install`` rewrites the generated schema once, in one place:

- 422 on every operation: ``ValidationErrorOut``;
- 401 (no, a wrong, an expired or a revoked key), 403 (a right or an estate the key lacks),
  413 (body over HUIFANG_MAX_BODY_BYTES), 503 (the database busy or unreachable) on every
  operation: ``ErrorOut``;
- 404 on operations that name a record in their path or an estate or job in a filter;
- the codes a route documents itself (``responses=``: 409, 429...) get their body too.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from ..schemas.errors import ErrorOut, RateLimitedOut, ValidationErrorOut

API_PREFIX = "/api/v1"
BEARER = "bearer"

#: Refusals any operation can answer, and what each means.
EVERY_OPERATION = {
    "401": "no API key, or a wrong, expired or revoked one (send Authorization: Bearer <key>)",
    "403": "the key's role lacks the right, or it acts on another estate only",
    "413": "the request body is larger than HUIFANG_MAX_BODY_BYTES",
    "503": "the database is busy or unreachable; nothing was saved, try again",
}
NOT_FOUND = "an unknown job, estate or record in the path or a filter"
INVALID = "the request breaks a rule: what, in one readable line"
#: Query parameters that name a record: an unknown one is a 404.
LOOKUP_PARAMETERS = frozenset({"estate", "job", "ref"})
#: Bodies of codes a route may document without one (``responses=`` with a description only).
BODIES: dict[str, type[BaseModel]] = {"429": RateLimitedOut}


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` (and ``/openapi.json``, ``/docs``) return the corrected schema."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _ref(model: type[BaseModel]) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{model.__name__}"}}}


def _components(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    models = components.setdefault("schemas", {})
    for model in (ErrorOut, RateLimitedOut, ValidationErrorOut):
        definition = model.model_json_schema(ref_template="#/components/schemas/{model}")
        models.update(definition.pop("$defs", {}))
        models[model.__name__] = definition
    for unused in ("HTTPValidationError", "ValidationError"):
        models.pop(unused, None)
    components.setdefault("securitySchemes", {})[BEARER] = {
        "type": "http",
        "scheme": "bearer",
        "description": "HUIFANG_ADMIN_API_KEY, or a scoped token from POST /api/v1/tokens",
    }
    return components


def _names_a_record(path: str, operation: dict[str, Any]) -> bool:
    return "{" in path or any(
        parameter.get("in") == "query" and parameter.get("name") in LOOKUP_PARAMETERS
        for parameter in operation.get("parameters", [])
    )


def _refusal(responses: dict[str, Any], code: str, description: str) -> None:
    """Document ``code`` with the error body, keeping a description the route gave."""
    response = responses.setdefault(code, {"description": description})
    model = ValidationErrorOut if code == "422" else BODIES.get(code, ErrorOut)
    if code == "422" or "content" not in response:
        response["content"] = _ref(model)
    if code == "422" and response.get("description") in (None, "Validation Error"):
        response["description"] = INVALID
    if code == "429":
        response.setdefault("headers", {})["Retry-After"] = {
            "description": "seconds to wait before trying again",
            "schema": {"type": "integer", "minimum": 1},
        }


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` (FastAPI's OpenAPI document) with true error bodies, changed in place."""
    _components(schema)
    for path, item in schema.get("paths", {}).items():
        if not path.startswith(API_PREFIX):
            continue
        for method, operation in item.items():
            if method not in {"get", "put", "post", "delete", "patch"}:
                continue
            operation["security"] = [{BEARER: []}]
            responses = operation.setdefault("responses", {})
            for code, description in EVERY_OPERATION.items():
                _refusal(responses, code, description)
            _refusal(responses, "422", INVALID)
            if _names_a_record(path, operation):
                _refusal(responses, "404", NOT_FOUND)
            for code in list(responses):
                if code.startswith(("4", "5")):
                    _refusal(responses, code, responses[code].get("description", ""))
    return schema

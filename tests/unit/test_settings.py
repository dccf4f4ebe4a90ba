"""HUIFANG_ENVIRONMENT=production refuses to start with a secret or key shorter than 32
characters (or a development default) or a public address that is not https; each refusal names
the variable to change and how, and ``huifang serve`` says so in one line and exits 2."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from service.cli import app
from service.config import (
    DEV_ADMIN_KEY,
    DEV_SECRET,
    Settings,
    SettingsRefused,
    get_settings,
)

STRONG = "k" * 32
GENERATE = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
PRODUCTION = {
    "environment": "production",
    "secret_key": STRONG,
    "admin_api_key": "a" * 40,
    "public_base_url": "https://huifang.example.com",
}


def production(**changes: object) -> Settings:
    return Settings(_env_file=None, **{**PRODUCTION, **changes})  # type: ignore[arg-type]


def refusal(**changes: object) -> list[str]:
    with pytest.raises(SettingsRefused) as refused:
        production(**changes)
    return refused.value.problems


def test_a_production_deployment_with_long_secrets_and_https_starts():
    settings = production(odoo_shared_secret="o" * 32, webhook_secret="w" * 64)
    assert settings.environment == "production"


@pytest.mark.parametrize(
    ("field", "variable"),
    [
        ("secret_key", "HUIFANG_SECRET_KEY"),
        ("admin_api_key", "HUIFANG_ADMIN_API_KEY"),
        ("odoo_shared_secret", "HUIFANG_ODOO_SHARED_SECRET"),
        ("webhook_secret", "HUIFANG_WEBHOOK_SECRET"),
    ],
)
def test_a_secret_shorter_than_32_characters_is_refused_naming_its_variable(field, variable):
    (problem,) = refusal(**{field: "x" * 31})
    assert problem.startswith(f"{variable} is 31 characters; production needs at least 32")
    assert GENERATE in problem


@pytest.mark.parametrize(
    ("field", "default", "variable"),
    [
        ("secret_key", DEV_SECRET, "HUIFANG_SECRET_KEY"),
        ("admin_api_key", DEV_ADMIN_KEY, "HUIFANG_ADMIN_API_KEY"),
    ],
)
def test_the_development_defaults_are_refused(field, default, variable):
    (problem,) = refusal(**{field: default})
    assert problem.startswith(f"{variable} is the development default") and GENERATE in problem


def test_optional_secrets_are_checked_only_when_set():
    assert production(odoo_shared_secret=None, webhook_secret="").environment == "production"


@pytest.mark.parametrize(
    "url", ["http://huifang.example.com", "https://", "huifang.example.com", "ftp://x.example"]
)
def test_a_public_address_that_is_not_https_is_refused(url):
    (problem,) = refusal(public_base_url=url)
    assert problem.startswith(f"HUIFANG_PUBLIC_BASE_URL is {url!r}; production needs the https")


def test_every_problem_is_listed_at_once():
    problems = refusal(secret_key="short", admin_api_key=DEV_ADMIN_KEY, public_base_url="http://x")
    assert [p.split(" ", 1)[0] for p in problems] == [
        "HUIFANG_SECRET_KEY",
        "HUIFANG_ADMIN_API_KEY",
        "HUIFANG_PUBLIC_BASE_URL",
    ]


@pytest.mark.parametrize("environment", ["local", "test"])
def test_outside_production_the_development_defaults_serve(environment):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=environment,  # type: ignore[arg-type]
        secret_key=DEV_SECRET,
        admin_api_key=DEV_ADMIN_KEY,
        public_base_url="http://127.0.0.1:8000",
    )
    assert settings.secret_key == DEV_SECRET


def test_the_refusal_shows_no_secret():
    problems = refusal(secret_key="a-secret-of-25-characters")
    assert "a-secret-of-25-characters" not in str(problems)


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_serve_in_production_with_a_short_key_says_why_in_one_line_and_exits_2(
    fresh_settings, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # no .env
    result = CliRunner().invoke(
        app,
        ["serve", "--port", "9"],
        env={
            "HUIFANG_ENVIRONMENT": "production",
            "HUIFANG_SECRET_KEY": "0123456789abcdef",
            "HUIFANG_ADMIN_API_KEY": "a" * 40,
            "HUIFANG_PUBLIC_BASE_URL": "https://huifang.example.com",
            "HUIFANG_DATABASE_URL": f"sqlite:///{tmp_path / 'never.db'}",
        },
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        "huifang cannot start in production: HUIFANG_SECRET_KEY is 16 characters; production"
        f" needs at least 32: generate one with `{GENERATE}`"
    ]
    assert "Traceback" not in result.output
    assert not (tmp_path / "never.db").exists()  # refused before anything started


def test_serve_with_a_setting_that_does_not_parse_names_the_variable(
    fresh_settings, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        app,
        ["serve"],
        env={"HUIFANG_SMTP_PORT": "twenty-five", "HUIFANG_DATABASE_URL": "sqlite://"},
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("huifang cannot read its settings: HUIFANG_SMTP_PORT: ")
    assert len(result.stderr.splitlines()) == 1

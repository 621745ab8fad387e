"""Settings checks for distribution: signed webhooks, secrets present in CI, no embargo for webhooks."""

from __future__ import annotations

from collections.abc import Mapping

from click.testing import CliRunner
from conftest import Room

from pressroom.cli import cli
from pressroom.settings import load_settings

# The smtp channel is on line 29, the webhook channel on 30 (its secret_env on 33),
# the list `web` on 36 (its embargoed key on 38).
DISTRIBUTION = """\
distribution:
  channels:
    mail: {type: smtp, host: smtp.example.org, username: presse, password_env: PR_SMTP_PASSWORD}
    website:
      type: webhook
      url: https://www.beispiel.example/hooks/press
      secret_env: PR_SECRET
  lists:
    presse: {channel: mail, recipients: [{email: nord@zeitung.example}]}
    web:
      channel: website
      embargoed: false
"""
SECRETS = {"PR_SMTP_PASSWORD": "geheim", "PR_SECRET": "auch geheim"}
MISSING = [
    "releases/pressroom.yaml:29: warning: channel 'mail': environment variable PR_SMTP_PASSWORD is not set; "
    "its jobs will wait until it is",
    "releases/pressroom.yaml:33: warning: channel 'website': environment variable PR_SECRET is not set; "
    "its jobs will wait until it is",
]


def messages(room: Room, environ: Mapping[str, str] | None = None) -> list[str]:
    _, problems = load_settings(room.root, environ)
    return [p.format(room.root) for p in problems]


def test_webhook_without_secret_env_is_an_error_at_the_channel(room: Room) -> None:
    room.add_settings(DISTRIBUTION.replace("      secret_env: PR_SECRET\n", ""))
    assert messages(room) == [
        "releases/pressroom.yaml:30: channel 'website': a webhook needs secret_env; "
        "an unsigned webhook lets anyone forge releases to the website"
    ]


def test_missing_secrets_are_warnings_only_where_the_environment_is_checked(room: Room) -> None:
    room.add_settings(DISTRIBUTION)
    assert messages(room) == []  # no environment given: a laptop without the secrets
    assert messages(room, {}) == MISSING
    assert messages(room, {"PR_SECRET": ""}) == MISSING  # empty is as good as unset
    assert messages(room, SECRETS) == []


def test_embargoed_webhook_list_is_refused_at_its_embargoed_line(room: Room) -> None:
    room.add_settings(DISTRIBUTION.replace("embargoed: false", "embargoed: true"))
    assert messages(room) == [
        "releases/pressroom.yaml:38: list 'web': a webhook publishes: "
        "it cannot receive releases before their embargo"
    ]


def check(room: Room, *options: str, env: dict[str, str | None]) -> tuple[int, list[str]]:
    result = CliRunner().invoke(cli, ["check", "--root", str(room.root), *options], env=env)
    return result.exit_code, result.output.splitlines()


def test_check_warns_about_missing_secrets_in_ci_and_under_strict_only(room: Room) -> None:
    room.add_settings(DISTRIBUTION)
    unset: dict[str, str | None] = {"CI": None, "PR_SMTP_PASSWORD": None, "PR_SECRET": None}
    code, output = check(room, env=unset)
    assert code == 0 and not any("environment variable" in line for line in output)
    code, output = check(room, env={**unset, "CI": "true"})
    assert code == 0 and output[:2] == MISSING
    code, output = check(room, "--strict", env=unset)
    assert code == 1 and output[:2] == MISSING
    code, output = check(room, "--strict", env={**unset, **SECRETS})
    assert code == 0 and not any("environment variable" in line for line in output)

"""`pressroom import DRAFT.docx`: Word drafts written by LibreOffice become draft releases
that pass `check`, with the press room's own blocks replaced, not duplicated."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from import_support import ADDRESS_BLOCK, everything_fodt, need_soffice, seed_html, to_docx

from pressroom import markup
from pressroom.cli import cli

REPO = Path(__file__).resolve().parent.parent
SEEDS = Path("/work/shared/seeds") if Path("/work/shared/seeds").is_dir() else REPO.parent / "shared" / "seeds"
SAMPLE_SETTINGS = REPO / "releases" / "pressroom.yaml"
FUNDER_2019 = yaml.safe_load(SAMPLE_SETTINGS.read_text(encoding="utf-8"))["boilerplates"]["iq-2019"]["text"]
EXPECTED_CONTACTS = {"2013-01-08-iq-mv-ausbau": ["kuntzsch"], "2021-08-26-iq-mv-10-jahre": ["kuntzsch", "fakhouri"]}


@pytest.fixture(scope="session")
def drafts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every draft of these tests, converted to .docx by one soffice run."""
    need_soffice()
    folder = tmp_path_factory.mktemp("drafts")
    sources = []
    for seed in sorted(SEEDS.glob("*.txt")):
        source = folder / f"{seed.stem}.html"
        source.write_text(seed_html(seed.read_text(encoding="utf-8")), encoding="utf-8")
        sources.append(source)
    # The funder text pasted as one paragraph, its lines joined as Word would.
    funder = " ".join(FUNDER_2019.split("\n\n")[0].split())
    every = folder / "everything.fodt"
    every.write_text(everything_fodt(funder), encoding="utf-8")
    sources.append(every)
    return to_docx(sources, folder / "docx", folder / "profile")


@pytest.fixture
def room(tmp_path: Path) -> Path:
    """A press room with the sample room's settings and no releases."""
    (tmp_path / "releases").mkdir()
    shutil.copy(SAMPLE_SETTINGS, tmp_path / "releases" / "pressroom.yaml")
    shutil.copy(REPO / "releases" / "journalists-trusted.csv", tmp_path / "releases")
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def split(path: Path) -> tuple[dict[str, object], str]:
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    return yaml.safe_load(front), body


def imported(room: Path, draft: Path, *extra: str) -> tuple[Path, str]:
    code, output = run("import", str(draft), "--root", str(room), *extra)
    assert code == 0, output
    created = re.search(r"angelegt: (\S+\.md)", output)
    assert created, output
    return Path(created.group(1)), output


def release_page(room: Path, path: Path) -> str:
    """The release's web page as the build renders it."""
    from datetime import UTC, datetime

    from pressroom.load import load_pressroom
    from pressroom.render import RenderContext
    from pressroom.render.html import render_html

    now = datetime(2030, 1, 1, tzinfo=UTC)
    pressroom = load_pressroom(room, now).pressroom
    release = pressroom.release(path.stem)
    return render_html(release, RenderContext.for_settings(pressroom.settings, now)).decode("utf-8")


def seed_sentences(seed: Path) -> list[str]:
    """The body sentences of a seed, before its contact and funder blocks (plain text)."""
    text = seed.read_text(encoding="utf-8")
    main = text.split("Regionales Netzwerk Mecklenburg-Vorpommern\n")[0].split("Mehr Informationen")[0]
    paragraphs = [markup.plain_text(p.strip()) for p in main.split("\n\n") if len(p.strip()) > 120]
    return [s for p in paragraphs for s in re.split(r"(?<=\.) ", p) if len(s) > 30]


def own_block_lines(room: Path, front: dict[str, object]) -> list[str]:
    """Every line of the boilerplate of the release's period (for 2013 its sender lines
    "Regionales Netzwerk ..." and "Koordiniert durch migra e.V." too) and of the
    organisation's address, as the settings give them."""
    from datetime import date

    settings = yaml.safe_load((room / "releases" / "pressroom.yaml").read_text(encoding="utf-8"))
    day = date.fromisoformat(str(front["date"])[:10])
    texts = [str(b["text"]) for b in settings["boilerplates"].values()
             if b["valid_from"] <= day and ("valid_until" not in b or day <= b["valid_until"])]
    texts.append(settings["organisation"]["address"])
    lines = [" ".join(line.split()) for text in texts for line in text.splitlines()]
    return [line for line in lines if len(line) > 4]


@pytest.mark.parametrize("name", sorted(EXPECTED_CONTACTS))
def test_seed_draft_names_contacts_and_leaves_out_funder_text_and_address(
    drafts: dict[str, Path], room: Path, name: str
) -> None:
    path, output = imported(room, drafts[name])
    front, body = split(path)
    assert front["contacts"] == EXPECTED_CONTACTS[name]
    assert front["status"] == "draft"
    assert path.name.startswith(name[:10])  # the draft's date line, not today
    assert "Das Förderprogramm" not in body and "Waldemarstraße" not in body and "18057" not in body
    assert "@migra-mv.de" not in body and "0381" not in body and "Ansprechpartnerin" not in body
    # No line of the room's own blocks (the period's boilerplate with its sender lines, the
    # organisation's name and address, the contacts) survives into the body.
    flat = " ".join(body.split())
    for line in own_block_lines(room, front):
        assert line not in flat, line
    # The organisation's name may stand in a sentence, never as a line of its own.
    paragraphs = {" ".join(p.split()) for p in body.split("\n")}
    assert not paragraphs & {"migra e.V.", "Koordiniert durch", "Koordiniert durch migra e.V."}
    plain = markup.plain_text(" ".join(f"{front.get('lead', '')} {body}".split()))
    for sentence in seed_sentences(SEEDS / f"{name}.txt"):
        assert " ".join(sentence.split()) in plain, sentence
    code, checked = run("check", "--root", str(room))
    assert code == 0, checked
    page = release_page(room, path)
    assert page.count("Das Förderprogramm") == 1  # printed once, from the settings
    assert page.count("Waldemarstraße") <= 1
    for contact in EXPECTED_CONTACTS[name]:
        assert page.count(f"{contact}@migra-mv.de") >= 1
    assert "Kontakte erkannt" in output and "Förderhinweis erkannt" in output


def test_seed_title_subtitle_number_and_lead_are_recognised(drafts: dict[str, Path], room: Path) -> None:
    old, _ = imported(room, drafts["2013-01-08-iq-mv-ausbau"])
    front, _ = split(old)
    assert front["title"] == "Das Regionale Netzwerk IQ Mecklenburg-Vorpommern wird ausgebaut"
    assert str(front["subtitle"]).startswith("Neue Angebote zur Arbeitsmarktintegration")
    assert front["number"] == "3/2013"
    new, _ = imported(room, drafts["2021-08-26-iq-mv-10-jahre"])
    front, body = split(new)
    assert front["place"] == "Rostock"
    assert str(front["lead"]).startswith("Seit nunmehr 10 Jahren")
    assert "Seit nunmehr" not in body


def test_every_construct_of_a_draft_reaches_the_release_file_and_its_html(
    drafts: dict[str, Path], room: Path
) -> None:
    path, output = imported(room, drafts["everything"], "--date", "2021-06-01")
    assert path.name == "2021-06-01-sommerfest-im-netzwerk.md"
    front, body = split(path)
    assert front["title"] == "Sommerfest im Netzwerk"
    assert front["subtitle"] == "Alle Partner feiern in Schwerin"
    assert front["lead"] == "Das Netzwerk lädt zum Sommerfest ein. Alle sind willkommen."
    assert front["contacts"] == ["kuntzsch"]
    assert front["todo"] == ["„Beginn um 14 Uhr“: Uhrzeit mit der Stadt klären (Maja)"]
    picture = room / "releases" / "2021-06-01-sommerfest-im-netzwerk-1.png"
    assert picture.read_bytes().startswith(b"\x89PNG")
    assert front["images"] == [{"file": picture.name, "alt": "Die rote Bühne im Park"}]
    assert "2 nachverfolgte Änderung(en) angenommen" in output
    assert "eingefügter Satz" in body and "gestrichener Satz" not in body
    for line in ADDRESS_BLOCK[1:]:
        assert line not in body
    assert "Das Förderprogramm" not in body and "Ansprechpartnerin" not in body
    html = release_page(room, path)
    assert html.count("Das Förderprogramm") == 1  # from the settings, not also from the draft
    assert html.count("Maja Kuntzsch") == 1  # the contact from the settings, once
    assert "<h2>Programm des Tages</h2>" in html
    assert "<strong>Musik</strong>" in html and "<em>Essen</em>" in html
    assert '<a href="https://www.iq-mv.de/fest"' in html
    assert re.search(r"<li>\s*<p>Begrüßung</p>\s*<ul>\s*<li>\s*(<p>)?durch den Vorstand", html), html
    assert re.search(r"<th[^>]*>Zeit</th>.*<td[^>]*>14 Uhr</td>", html, re.S), html
    assert re.search(r"<blockquote>\s*<p>Ein Fest für alle", html), html
    assert f'<img src="{picture.name}" alt="Die rote Bühne im Park"' in html
    assert "unserer Seite</a>.¹" in html
    assert re.search(r"<ol>\s*<li>\s*(<p>)?Eintritt frei für alle Gäste", html), html
    code, checked = run("check", "--root", str(room))
    assert code == 0, checked
    assert "warning: todo: noch zu erledigen: „Beginn um 14 Uhr“" in checked


def test_ready_release_with_a_todo_is_refused_on_the_todo_line(drafts: dict[str, Path], room: Path) -> None:
    path, _ = imported(room, drafts["everything"], "--date", "2021-06-01")
    text = path.read_text(encoding="utf-8").replace("status: draft", "status: ready")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index("todo:") + 2  # the first entry, below the key
    code, output = run("check", "--root", str(room))
    assert code == 1
    assert f"{path.name}:{line}: todo: vor der Veröffentlichung noch zu erledigen" in output


def test_import_never_overwrites_a_release(drafts: dict[str, Path], room: Path) -> None:
    path, _ = imported(room, drafts["everything"], "--date", "2021-06-01")
    before = path.read_bytes()
    code, output = run("import", str(drafts["everything"]), "--root", str(room), "--date", "2021-06-01")
    assert code == 1
    assert "gibt es schon im Ordner releases/" in output
    assert path.read_bytes() == before
    assert len(list((room / "releases").glob("*.png"))) == 1


def _unreadable(kind: str, folder: Path, good: Path) -> Path:
    bad = folder / f"{kind}.docx"
    if kind == "corrupt":
        bad.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    elif kind == "not-docx":
        bad.write_text("Pressemitteilung\nDas ist nur Text.\n", encoding="utf-8")
    else:
        from msoffcrypto.format.ooxml import OOXMLFile

        with good.open("rb") as plain, bad.open("wb") as locked:
            OOXMLFile(plain).encrypt("geheim", locked)
    return bad


@pytest.mark.parametrize(("kind", "says"), [
    ("corrupt", "beschädigt"), ("not-docx", "kein Word-Dokument"), ("encrypted", "Kennwort"),
])
def test_unreadable_draft_is_one_line_error_and_writes_nothing(
    drafts: dict[str, Path], room: Path, tmp_path: Path, kind: str, says: str
) -> None:
    bad = _unreadable(kind, tmp_path, drafts["everything"])
    before = sorted(p.name for p in (room / "releases").iterdir())
    code, output = run("import", str(bad), "--root", str(room))
    assert code == 1
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"{bad}:1: ") and says in lines[0], output
    assert sorted(p.name for p in (room / "releases").iterdir()) == before

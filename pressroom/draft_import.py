"""`pressroom import DRAFT.docx`: turn a Word draft into a draft release file.

pandoc (shipped inside the pypandoc-binary wheel) reads the .docx into its document
tree; this module walks that tree: title, subtitle and lead from the styles or the
opening paragraphs, the press room's own blocks removed (``draft_blocks``), pictures
saved into releases/, footnotes numbered at the end (pressroom's Markdown has none),
Word comments as ``todo:`` entries. Tracked changes are all accepted (pandoc's
``--track-changes=accept``) and counted, never half-applied. pandoc writes the body
back as CommonMark with pipe tables, which is what ``markup`` renders.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .authoring import slug_for
from .draft_blocks import blocks_to_drop
from .errors import UserError
from .messages import Language, say
from .model import Settings

Node = dict[str, Any]
QUOTE_STYLES = {"quotations", "quote", "intense quote", "block text", "zitat", "intensives zitat"}
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")
MONTHS = {name: number for number, names in enumerate(
    [("januar", "january", "jan"), ("februar", "february", "feb"), ("märz", "march", "mär", "mar"),
     ("april", "apr"), ("mai", "may"), ("juni", "june", "jun"), ("juli", "july", "jul"),
     ("august", "aug"), ("september", "sep", "sept"), ("oktober", "october", "okt", "oct"),
     ("november", "nov"), ("dezember", "december", "dez", "dec")], start=1) for name in names}
_NUMBER = re.compile(r"(?i)^(presse(info|information|mitteilung)|press release|pm)\s*(nr\.?\s*)?(\S+)$")
# A date line above the title is only a date, perhaps after "Place, ": never a sentence.
_DATE_WORDS = re.compile(r"(?i)(\d{1,2})\.?\s+([a-zäö]+)\.?\s+(\d{4})")
_DATE_DOTS = re.compile(r"(\d{1,2})\.\s*(\d{1,2})\.\s*(\d{4})")
_DATE_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PLACE = re.compile(r"([^\d,]{2,40}),\s*(.+)")


@dataclass(frozen=True)
class Imported:
    """What the import wrote and what PR staff should know about it."""

    path: Path
    pictures: tuple[Path, ...]
    contacts: tuple[str, ...]
    boilerplates: tuple[str, ...]
    todos: tuple[str, ...]
    tracked_changes: int
    removed_lines: int


@dataclass
class _Draft:
    """The parts of the draft as they are found (mutable while walking the tree)."""

    meta: dict[str, str] = field(default_factory=dict)
    notes: list[list[Node]] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (extracted path, alt)


def check_docx(path: Path, language: Language) -> None:
    """Refuse what is not a readable .docx, with one sentence saying what it is."""
    try:
        head = path.read_bytes()[:8]
    except OSError as exc:
        raise UserError(say(language, "file.unreadable", reason=exc.strerror), path) from None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        # An OLE container: how Word stores an encrypted .docx (and the old .doc format).
        raise UserError(say(language, "import.encrypted"), path)
    if not head.startswith(b"PK"):
        raise UserError(say(language, "import.not_docx"), path)
    try:
        with zipfile.ZipFile(path) as archive:
            if "word/document.xml" not in archive.namelist():
                raise UserError(say(language, "import.no_document"), path)
            if archive.testzip() is not None:
                raise zipfile.BadZipFile("a damaged member")
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise UserError(say(language, "import.damaged"), path) from None


def _pandoc(source: Path, changes: str, language: Language, media: Path | None = None) -> Node:
    import pypandoc

    args = [f"--track-changes={changes}"]
    if media is not None:
        args.append(f"--extract-media={media}")
    try:
        return dict(json.loads(pypandoc.convert_file(str(source), "json", format="docx+styles",
                                                     extra_args=args)))
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[-1]
        raise UserError(say(language, "import.unreadable", reason=reason), source) from None


def _to_markdown(blocks: list[Node], api: Any) -> str:
    import pypandoc

    document = json.dumps({"pandoc-api-version": api, "meta": {}, "blocks": blocks})
    text = pypandoc.convert_text(document, "commonmark+pipe_tables", format="json",
                                 extra_args=["--wrap=none"])
    return str(text).strip()


def stringify(nodes: Any) -> str:
    """The plain text of a list of pandoc inlines (or blocks)."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            kind = node.get("t")
            if kind == "Str":
                parts.append(node["c"])
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif kind in ("Note",):
                return
            elif kind in ("Image", "Link"):
                walk(node["c"][1])
            elif kind in ("Code", "Math", "RawInline"):
                parts.append(node["c"][-1])
            elif "c" in node:
                walk(node["c"])
    walk(nodes)
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _clean_inlines(inlines: list[Node], draft: _Draft) -> list[Node]:
    """Unwrap style spans, number footnotes, record pictures (without their size)."""
    out: list[Node] = []
    for node in inlines:
        kind = node.get("t")
        if kind == "Span":
            out += _clean_inlines(node["c"][1], draft)
        elif kind == "Note":
            draft.notes.append(_clean_blocks(node["c"], draft))
            out.append({"t": "Str", "c": str(len(draft.notes)).translate(SUPERSCRIPT)})
        elif kind == "Image":
            _attr, alt, (target, title) = node["c"]
            draft.images.append((target, stringify(alt)))
            out.append({"t": "Image", "c": [["", [], []], _clean_inlines(alt, draft), [target, title]]})
        elif kind in ("Emph", "Strong", "Strikeout", "Underline", "Superscript", "Subscript",
                      "SmallCaps"):
            children = _clean_inlines(node["c"], draft)
            out += children if kind in ("Underline", "SmallCaps") else [{"t": kind, "c": children}]
        elif kind == "Link":
            attr, text, target = node["c"]
            out.append({"t": "Link", "c": [["", [], []], _clean_inlines(text, draft), target]})
        elif kind == "Quoted":
            out.append({"t": "Quoted", "c": [node["c"][0], _clean_inlines(node["c"][1], draft)]})
        else:
            out.append(node)
    return out


def _clean_blocks(blocks: list[Node], draft: _Draft) -> list[Node]:
    """Quote styles become block quotes, other style wrappers go, tables get a header."""
    out: list[Node] = []
    for node in blocks:
        kind = node.get("t")
        if kind == "Div":
            (_id, _classes, attrs), children = node["c"]
            style = dict(attrs).get("custom-style", "").lower()
            cleaned = _clean_blocks(children, draft)
            # pandoc makes an indented quote style a block quote itself: never wrap it twice.
            quoted = style in QUOTE_STYLES and any(block.get("t") != "BlockQuote" for block in cleaned)
            out += [{"t": "BlockQuote", "c": cleaned}] if quoted else cleaned
        elif kind in ("Para", "Plain"):
            inlines = _clean_inlines(node["c"], draft)
            if stringify(inlines) or any(i.get("t") == "Image" for i in inlines):
                out.append({"t": kind, "c": inlines})
        elif kind == "Header":
            level, _attr, inlines = node["c"]
            out.append({"t": "Header", "c": [level, ["", [], []], _clean_inlines(inlines, draft)]})
        elif kind == "BlockQuote":
            out.append({"t": "BlockQuote", "c": _clean_blocks(node["c"], draft)})
        elif kind == "BulletList":
            _add_list(out, {"t": kind, "c": [_clean_blocks(item, draft) for item in node["c"]]},
                      _list_level(node["c"]))
        elif kind == "OrderedList":
            _add_list(out, {"t": kind, "c": [node["c"][0], [_clean_blocks(i, draft) for i in node["c"][1]]]},
                      _list_level(node["c"][1]))
        elif kind == "Table":
            out.append(_table(node, draft))
        else:
            out.append(node)
    return out


def _list_level(items: list[list[Node]]) -> int:
    """How deep Word's list style puts a list: "List Bullet 2" is 2; 1 without a number."""
    first = items[0][0] if items and items[0] else {}
    if first.get("t") != "Div":
        return 1
    style = dict(first["c"][0][2]).get("custom-style", "")
    number = style.rsplit(" ", 1)[-1]
    return int(number) if style.lower().startswith("list") and number.isdigit() else 1


def _items(node: Node) -> list[list[Node]]:
    items: list[list[Node]] = node["c"] if node["t"] == "BulletList" else node["c"][1]
    return items


def _add_list(out: list[Node], node: Node, level: int) -> None:
    """Append a list to *out*. Word keeps each list style ("List Bullet", "List Bullet 2")
    a list of its own: a deeper one goes into the last item above it, and a list that
    goes on with the one above joins it (Markdown cannot write two lists in a row)."""
    above = out[-1] if out and out[-1]["t"] in ("BulletList", "OrderedList") else None
    if above is not None and level > 1:
        item = _items(above)[-1]
        for _ in range(level - 2):
            inner = [block for block in item if block["t"] in ("BulletList", "OrderedList")]
            if not inner:
                break
            item = _items(inner[-1])[-1]
        item.append(node)
    elif above is not None and above["t"] == node["t"] and (
            node["t"] == "BulletList" or node["c"][0][0] == above["c"][0][0] + len(_items(above))):
        _items(above).extend(_items(node))
    else:
        out.append(node)


def _table(node: Node, draft: _Draft) -> Node:
    """Clean a table's cells; a table without a header row gets its first row as header
    (Word and LibreOffice mark none unless asked; Markdown tables need one)."""
    attr, caption, specs, head, bodies, foot = node["c"]

    def clean_rows(rows: list[Any]) -> list[Any]:
        return [[r_attr, [[c_attr, align, rs, cs, _clean_blocks(blocks, draft)]
                          for c_attr, align, rs, cs, blocks in cells]] for r_attr, cells in rows]

    head_rows = clean_rows(head[1])
    for body in bodies:
        body[3] = clean_rows(body[3])
    if not head_rows and bodies and bodies[0][3]:
        head_rows = [bodies[0][3].pop(0)]
    return {"t": "Table", "c": [attr, caption, specs, [head[0], head_rows], bodies, foot]}


def _lines(block: Node) -> list[list[Node]]:
    """A paragraph's lines (split at its line breaks)."""
    lines: list[list[Node]] = [[]]
    for node in block["c"]:
        if node.get("t") == "LineBreak":
            lines.append([])
        else:
            lines[-1].append(node)
    return lines


def _remove_own_blocks(
    blocks: list[Node], settings: Settings, day: date
) -> tuple[list[Node], list[str], list[str], int]:
    """Drop contact, funder and address lines; return the blocks, contact ids, funder ids, count."""
    texts: list[str | None] = []
    where: list[tuple[int, int]] = []
    for index, block in enumerate(blocks):
        if block["t"] in ("Para", "Plain"):
            for number, line in enumerate(_lines(block)):
                texts.append(stringify(line))
                where.append((index, number))
        else:
            texts.append(None)
            where.append((index, -1))
    drop, contacts, funders = blocks_to_drop(texts, settings, day)
    dropped = {where[i] for i in drop}
    kept: list[Node] = []
    for index, block in enumerate(blocks):
        if block["t"] not in ("Para", "Plain"):
            kept.append(block)
            continue
        lines = [line for n, line in enumerate(_lines(block)) if (index, n) not in dropped]
        lines = [_strip_spaces(line) for line in lines]
        if lines and any(lines):
            joined: list[Node] = []
            for line in lines:
                joined += ([{"t": "LineBreak"}] if joined else []) + line
            kept.append({"t": block["t"], "c": joined})
    return kept, contacts, funders, len(drop)


def _strip_spaces(line: list[Node]) -> list[Node]:
    while line and line[0].get("t") in ("Space", "SoftBreak"):
        line = line[1:]
    while line and line[-1].get("t") in ("Space", "SoftBreak"):
        line = line[:-1]
    return line


def parse_day(text: str) -> date | None:
    """The date of a line that is only a date (26.08.2021, 8. Januar 2013, 2021-08-26), else None."""
    text = text.strip()
    try:
        if match := _DATE_ISO.fullmatch(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _DATE_DOTS.fullmatch(text):
            return date(int(match[3]), int(match[2]), int(match[1]))
        if (match := _DATE_WORDS.fullmatch(text)) and match[2].lower() in MONTHS:
            return date(int(match[3]), MONTHS[match[2].lower()], int(match[1]))
    except ValueError:
        return None
    return None


def _heading_lines(blocks: list[Node], draft: _Draft) -> list[Node]:
    """Take the number, place and date lines and the title, subtitle and lead off the top."""
    while blocks and blocks[0]["t"] in ("Para", "Plain", "Header"):
        text = stringify(blocks[0]["c"] if blocks[0]["t"] != "Header" else blocks[0]["c"][2])
        place = _PLACE.fullmatch(text)
        if match := _NUMBER.match(text):
            draft.meta["number"] = match[4]
        elif (day := parse_day(text)) is not None:
            draft.meta["day"] = day.isoformat()
        elif place and (day := parse_day(place[2])) is not None:
            draft.meta["day"], draft.meta["place"] = day.isoformat(), place[1].strip()
        else:
            break
        blocks = blocks[1:]
    if "title" not in draft.meta and blocks and blocks[0]["t"] in ("Para", "Plain", "Header"):
        block = blocks.pop(0)
        draft.meta["title"] = stringify(block["c"] if block["t"] != "Header" else block["c"][2])
        if blocks and blocks[0]["t"] in ("Para", "Plain") and not _is_bold(blocks[0]):
            text = stringify(blocks[0]["c"])
            if len(text) <= 200 and not text.endswith((".", "!", "?", ":")):
                draft.meta["subtitle"] = text
                blocks.pop(0)
    return blocks


def _is_bold(block: Node) -> bool:
    inlines = [node for node in block["c"] if node.get("t") not in ("Space", "SoftBreak", "LineBreak")]
    return bool(inlines) and all(node.get("t") == "Strong" for node in inlines)


def _comments(document: Node) -> list[str]:
    """Each Word comment as "«commented text»: comment (author)"."""
    todos: list[str] = []
    open_comments: dict[str, tuple[str, str, list[Node]]] = {}

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        if node.get("t") == "Span":
            (_id, classes, attrs), content = node["c"]
            values = dict(attrs)
            if "comment-start" in classes:
                open_comments[values.get("id", "")] = (stringify(content), values.get("author", ""), [])
                return
            if "comment-end" in classes and values.get("id", "") in open_comments:
                comment, author, anchored = open_comments.pop(values.get("id", ""))
                todos.append(_todo(stringify(anchored), comment, author))
                return
        for _comment, _author, anchored in open_comments.values():
            if node.get("t") in ("Str", "Space", "SoftBreak", "LineBreak"):
                anchored.append(node)
        if "c" in node and node.get("t") not in ("Str",):
            walk(node["c"])

    walk(document["blocks"])
    todos += [_todo(stringify(anchored), comment, author)
              for comment, author, anchored in open_comments.values()]
    return todos


def _todo(anchored: str, comment: str, author: str) -> str:
    who = f" ({author})" if author else ""
    about = f"„{anchored}“: " if anchored else ""
    return f"{about}{comment}{who}"


def _tracked_changes(document: Node) -> int:
    count = 0

    def walk(node: Any) -> None:
        nonlocal count
        if isinstance(node, list):
            for item in node:
                walk(item)
        elif isinstance(node, dict):
            if node.get("t") in ("Span", "Div"):
                classes = node["c"][0][1]
                count += any(c in ("insertion", "deletion", "paragraph-insertion", "paragraph-deletion")
                             for c in classes)
            if "c" in node:
                walk(node["c"])
    walk(document["blocks"])
    return count


def _free_path(folder: Path, stem: str, suffix: str) -> Path:
    path = folder / f"{stem}{suffix}"
    number = 2
    while path.exists():
        path = folder / f"{stem}-{number}{suffix}"
        number += 1
    return path


def _meta_text(meta: Node, key: str) -> str:
    value = meta.get(key)
    return stringify(value["c"]) if isinstance(value, dict) else ""


def import_draft(source: Path, settings: Settings, day: date | None, today: date) -> Imported:
    """Read the Word draft *source* and write it as a draft release in releases/.

    *day* (``--date``) wins over a date line in the draft, which wins over *today*.
    Never overwrites a file; writes nothing when the draft cannot be read.
    """
    from .atomic import write_atomic

    language = settings.site.language
    check_docx(source, language)
    releases = settings.releases_dir
    with tempfile.TemporaryDirectory(prefix="pressroom-import-") as scratch:
        media = Path(scratch)
        accepted = _pandoc(source, "accept", language, media)
        everything = _pandoc(source, "all", language)
        draft = _Draft()
        draft.meta = {k: v for k in ("title", "subtitle") if (v := _meta_text(accepted["meta"], k))}
        blocks = _heading_lines(_clean_blocks(accepted["blocks"], draft), draft)
        lead = ""
        if blocks and blocks[0]["t"] in ("Para", "Plain") and _is_bold(blocks[0]):
            inner = [child for node in blocks.pop(0)["c"]
                     for child in (node["c"] if node.get("t") == "Strong" else [node])]
            lead = _to_markdown([{"t": "Para", "c": inner}], accepted["pandoc-api-version"])
        when = day or (date.fromisoformat(draft.meta["day"]) if "day" in draft.meta else today)
        blocks, contacts, funders, removed = _remove_own_blocks(blocks, settings, when)
        title = draft.meta.get("title", "").strip()
        if not title:
            raise UserError(say(language, "import.no_title"), source)
        path = releases / f"{slug_for(title, when)}.md"
        if path.exists():
            raise UserError(say(language, "import.exists", name=path.name), source)
        if draft.notes:
            blocks += [{"t": "HorizontalRule"}, {"t": "OrderedList", "c": [[1, {"t": "Decimal"},
                                                                            {"t": "Period"}], draft.notes]}]
        pictures = _save_pictures(draft, media, releases, path.stem)
        blocks = _retarget(blocks, {target: saved.name for target, saved, _alt in pictures})
        body = _to_markdown(blocks, accepted["pandoc-api-version"])
        todos = _comments(everything)
        front = _front_matter(draft, title, when, lead, contacts, todos,
                              [(saved.name, alt) for _target, saved, alt in pictures])
        try:
            write_atomic(path, (front + body + "\n").encode("utf-8"))
        except BaseException:
            for _target, saved, _alt in pictures:
                saved.unlink(missing_ok=True)
            raise
    return Imported(path, tuple(saved for _target, saved, _alt in pictures), tuple(contacts),
                    tuple(funders), tuple(todos), _tracked_changes(everything), removed)


def _save_pictures(draft: _Draft, media: Path, releases: Path, stem: str) -> list[tuple[str, Path, str]]:
    """Copy the draft's embedded pictures into releases/: (pandoc's target, saved file, alt)."""
    saved: list[tuple[str, Path, str]] = []
    for number, (target, alt) in enumerate(draft.images, start=1):
        extracted = Path(target)
        if not extracted.is_absolute():
            extracted = media / extracted
        if not extracted.resolve().is_relative_to(media.resolve()) or not extracted.is_file():
            continue  # a linked, not embedded, picture: pandoc left its outside address
        destination = _free_path(releases, f"{stem}-{number}", extracted.suffix.lower())
        shutil.copyfile(extracted, destination)
        saved.append((target, destination, alt))
    return saved


def _retarget(blocks: Any, rename: dict[str, str]) -> Any:
    """Point the pictures at their files in releases/."""
    if isinstance(blocks, list):
        return [_retarget(item, rename) for item in blocks]
    if isinstance(blocks, dict):
        if blocks.get("t") == "Image":
            attr, alt, (target, title) = blocks["c"]
            return {"t": "Image", "c": [attr, alt, [rename.get(target, target), title]]}
        return {key: _retarget(value, rename) for key, value in blocks.items()}
    return blocks


def _front_matter(draft: _Draft, title: str, when: date, lead: str, contacts: list[str],
                  todos: list[str], images: list[tuple[str, str]]) -> str:
    import yaml

    front: dict[str, Any] = {"title": title}
    if draft.meta.get("subtitle"):
        front["subtitle"] = draft.meta["subtitle"]
    front["date"] = when
    for key in ("place", "number"):
        if draft.meta.get(key):
            front[key] = draft.meta[key]
    if lead:
        front["lead"] = lead
    if contacts:
        front["contacts"] = contacts
    if images:
        front["images"] = [{"file": name, "alt": alt} for name, alt in images]
    if todos:
        front["todo"] = todos
    front["status"] = "draft"
    text = yaml.safe_dump(front, allow_unicode=True, sort_keys=False, width=100_000)
    return f"---\n{text}---\n"

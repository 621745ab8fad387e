"""Recognise the press room's own blocks in a Word draft: contacts, funder text, address.

PR staff paste the contact block, the organisation's address and the funder
boilerplate under a draft; pressroom prints them from the settings, so the import
removes them and names the contacts by id instead. Matching is line by line and
tolerant (case, spacing, non-breaking spaces, soft hyphens, dashes, phone-number
spacing, a few typos), but a line is dropped only inside a run of recognised lines
that holds a sure sign of the block: a contact's name or e-mail, the funder
paragraph, or two lines of the address. Text that is none of these stays.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher

from .markup import plain_text
from .model import Settings

# Labels PR staff write above or in front of these blocks (German and English).
_LABEL = re.compile(
    r"(ansprechpartner(in)?|ansprechpersonen?|kontakt|pressekontakt|koordiniert durch|"
    r"contact|press contact|tel|telefon|phone|fon|e-?mail|mail|fax|mobil|mobile|web|internet)"
)
_LEADING_LABEL = re.compile(r"^(tel|telefon|phone|fon|e-?mail|mail|fax|mobil|mobile|web|internet)\.?\s*:?\s*")
_SIMILAR = 0.85  # difflib ratio above which two lines count as the same (typos, small edits)
_FUZZY_FROM = 30  # shorter texts must match exactly (after normalising spaces, case, dashes)


def normal(text: str) -> str:
    """*text* as compared: NFKC, no soft hyphens, one kind of dash, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text).replace("\u00ad", "")
    text = re.sub(r"[\u2010-\u2015\u2212]", "-", text)
    text = re.sub(r"\s+", " ", text).strip().lower()
    return text.rstrip(":;,. ")


def _web(text: str) -> str:
    return re.sub(r"^(https?://)?(www\.)?", "", normal(text)).rstrip("/")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _similar(a: str, b: str) -> bool:
    if not a or not b:
        return False
    if a == b:
        return True
    if max(len(a), len(b)) < _FUZZY_FROM:
        return False  # a name, a street, a town: one letter off is someone or somewhere else
    if abs(len(a) - len(b)) > max(len(a), len(b)) * (1 - _SIMILAR):
        return False
    return SequenceMatcher(None, a, b, autojunk=False).ratio() >= _SIMILAR


@dataclass(frozen=True)
class Mark:
    """What one line of the draft was recognised as."""

    kind: str  # "label", "contact", "org", "funder"
    key: str = ""  # the contact or boilerplate id
    sure: bool = False  # a sure sign of its block (a name, an e-mail, the funder paragraph)


def _field_matches(part: str, value: str, kind: str) -> bool:
    if not value:
        return False
    if kind == "phone":
        return len(_digits(part)) >= 6 and _digits(part) == _digits(value)
    if kind == "web":
        return _web(part) == _web(value)
    return _similar(normal(part), normal(value))


def _contact_mark(line: str, settings: Settings) -> Mark | None:
    """A line made only of one contact's fields (name, role, e-mail, phone), labels allowed."""
    parts = [_LEADING_LABEL.sub("", p.strip()) for p in re.split(r"[,;|]", normal(line))]
    parts = [p for p in parts if p]
    for contact in settings.contacts.values():
        sure = False
        for part in parts:
            if _field_matches(part, contact.name, "text") or (
                contact.email and normal(part).removeprefix("mailto:") == normal(contact.email)
            ):
                sure = True
            elif not (
                _field_matches(part, contact.phone, "phone")
                or _field_matches(part, contact.role, "text")
                or (len(part) >= 6 and normal(contact.role).startswith(normal(part)))
            ):
                break
        else:
            if parts:
                return Mark("contact", contact.id, sure)
    return None


def _org_mark(line: str, settings: Settings) -> Mark | None:
    org = settings.organisation
    text = _LEADING_LABEL.sub("", normal(line))
    fields = [(org.name, "text"), (org.website, "web"), (org.email or "", "text"), (org.phone, "phone")]
    fields += [(address_line, "text") for address_line in org.address.splitlines() if address_line.strip()]
    if any(_field_matches(text, value, kind) for value, kind in fields):
        return Mark("org")
    return None


def _funder_marks(settings: Settings, day: date) -> list[tuple[str, str, bool]]:
    """Each boilerplate paragraph as (normal text, boilerplate id, is the main paragraph),
    the periods covering *day* first: periods share paragraphs, and the first match names it."""
    marks = []
    periods = sorted(settings.boilerplates.values(), key=lambda b: not b.covers(day))
    for boilerplate in periods:
        paragraphs = [normal(plain_text(p)) for p in re.split(r"\n\s*\n", boilerplate.text) if p.strip()]
        longest = max(paragraphs, key=len, default="")
        marks += [(p, boilerplate.id, p == longest) for p in paragraphs]
    return marks


def mark_line(line: str, settings: Settings, funders: Sequence[tuple[str, str, bool]]) -> Mark | None:
    """What *line* (plain text) is, or None when it is the release's own text."""
    text = normal(line)
    if not text:
        return None
    if _LABEL.fullmatch(text):
        return Mark("label")
    for paragraph, key, main in funders:
        if _similar(text, paragraph) or (not main and _web(text) == _web(paragraph)):
            return Mark("funder", key, main)
    contact = _contact_mark(line, settings)
    if contact is not None:
        return contact
    return _org_mark(line, settings)


def _funder_spans(
    lines: Sequence[str | None], funders: Sequence[tuple[str, str, bool]]
) -> list[tuple[int, int, Mark]]:
    """Funder paragraphs pasted over several lines (hard line breaks, one paragraph per
    line): (first line, end, mark) of each run of lines that together match one."""
    spans = []
    for paragraph, key, main in funders:
        opening = paragraph.split()[:3]
        for first, line in enumerate(lines):
            if line is None or normal(line).split()[:3] != opening or len(normal(line)) >= len(paragraph):
                continue
            joined, best, end = "", _SIMILAR, 0
            for last in range(first, len(lines)):
                following = lines[last]
                if following is None or len(joined) > len(paragraph) * 1.2:
                    break
                joined = f"{joined} {normal(following)}".strip()
                # The closest run wins: the match passes the threshold before its last line.
                ratio = SequenceMatcher(None, joined, paragraph, autojunk=False).ratio()
                if ratio >= best:
                    best, end = ratio, last + 1
            if end:
                spans.append((first, end, Mark("funder", key, main)))
    return spans


def blocks_to_drop(
    lines: Sequence[str | None], settings: Settings, day: date
) -> tuple[set[int], list[str], list[str]]:
    """Which of *lines* (None breaks a run: a table, a list) to drop, the contact ids found
    (in order) and the ids of the funder texts found (named by the period covering *day*
    where periods share a text)."""
    funders = _funder_marks(settings, day)
    marks = [mark_line(line, settings, funders) if line is not None else None for line in lines]
    # Reversed: where spans overlap, the period covering the day (listed first) is written last and
    # wins; lines that match a funder paragraph each on their own keep that (first, preferred) match.
    alone = list(marks)
    for first, last, funder in reversed(_funder_spans(lines, funders)):
        if all(mark is not None and mark.kind == "funder" for mark in alone[first:last]):
            continue
        marks[first:last] = [funder] * (last - first)
    drop: set[int] = set()
    contacts: list[str] = []
    boilerplates: list[str] = []
    start = 0
    while start < len(marks):
        if marks[start] is None:
            start += 1
            continue
        end = start
        while end < len(marks) and marks[end] is not None:
            end += 1
        run = [m for m in marks[start:end] if m is not None]
        sure_contacts = {m.key for m in run if m.kind == "contact" and m.sure}
        sure_funder = any(m.kind == "funder" and m.sure for m in run)
        address = sum(m.kind == "org" for m in run) >= 2
        if sure_contacts or sure_funder or address:
            for index in range(start, end):
                mark = marks[index]
                assert mark is not None
                if mark.kind == "contact" and mark.key not in sure_contacts:
                    continue  # a role alone: keep it unless its contact is in the block
                drop.add(index)
                if mark.kind == "contact" and mark.key not in contacts:
                    contacts.append(mark.key)
                if mark.kind == "funder" and mark.sure and mark.key not in boilerplates:
                    boilerplates.append(mark.key)
        start = end
    return drop, contacts, boilerplates

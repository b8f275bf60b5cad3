"""Sphinx extension: BibTeX's ``and others`` renders as "et al.", as in BibTeX itself.

pybtex and sphinxcontrib-bibtex format the author list ``Brown, Tom B. and others`` as
"Brown and others" in author-year citations and "Tom B. Brown and others" in the
bibliography. This extension registers two styles that write "et al." instead:
``author_year_et_al`` (a ``bibtex_reference_style``) and ``plain_et_al`` (a
``bibtex_default_style``); author lists without ``others`` are formatted as before.
Listed in ``_config.yml`` under ``sphinx.local_extensions``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pybtex.plugin
import sphinxcontrib.bibtex.plugin
from pybtex.richtext import Tag, Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.template import FieldIsMissing, first_of, node, optional, sentence, tag
from pybtex.style.template import field as bib_field
from sphinxcontrib.bibtex.style.referencing import PersonStyle
from sphinxcontrib.bibtex.style.referencing.author_year import AuthorYearReferenceStyle
from sphinxcontrib.bibtex.style.template import join

__all__ = ["AuthorYearEtAlReferenceStyle", "PlainEtAlStyle", "is_others", "setup"]

ET_AL = Text(" ", Tag("em", "et al."))


def is_others(person) -> bool:
    """Return whether a pybtex ``Person`` is BibTeX's ``others`` (the truncation mark)."""
    return str(person) == "others"


def _names(data, role: str, format_person, kwargs: dict):
    try:
        persons = data["entry"].persons[role]
    except KeyError:
        raise FieldIsMissing(role, data["entry"]) from None
    named = [format_person(p) for p in persons if not is_others(p)]
    if len(named) < len(persons):  # "... and others": the first author, et al.
        return join[named[0], ET_AL].format_data(data)
    return join(**kwargs)[named].format_data(data)


@node
def citation_names(children, data, role, **kwargs):
    """Names for citations (sphinxcontrib-bibtex's ``names`` node, with "et al.")."""
    assert not children
    person = data["style"].person
    return _names(data, role, lambda p: person.style_plugin.format(p, person.abbreviate), kwargs)


@node
def bibliography_names(children, data, role, **kwargs):
    """Names for the bibliography (pybtex's ``names`` node, with "et al.")."""
    assert not children
    style = data["style"]
    return _names(data, role, lambda p: style.format_name(p, style.abbreviate_names), kwargs)


@dataclass
class EtAlPersonStyle(PersonStyle):
    """sphinxcontrib-bibtex's person style, rendering ``and others`` as "et al."."""

    def _kwargs(self, full: bool) -> dict:
        other = None if full else self.other
        return {"sep": self.sep, "sep2": self.sep2, "last_sep": self.last_sep, "other": other}

    def names(self, role: str, full: bool):
        """Return the template of the persons of ``role``."""
        return citation_names(role=role, **self._kwargs(full))

    def author_or_editor_or_title(self, full: bool):
        """Return the template of the authors, else the editors, else the title."""
        kwargs = self._kwargs(full)
        return first_of[
            optional[citation_names("author", **kwargs)],
            optional[citation_names("editor", **kwargs)],
            tag("em")[bib_field("title")],
        ]


@dataclass
class AuthorYearEtAlReferenceStyle(AuthorYearReferenceStyle):
    """Author-year citations whose ``and others`` author lists read "First et al."."""

    person: PersonStyle = field(default_factory=EtAlPersonStyle)


class PlainEtAlStyle(PlainStyle):
    """pybtex's plain bibliography style, with ``and others`` as "et al."."""

    def format_names(self, role, as_sentence=True):
        formatted = bibliography_names(role, sep=", ", sep2=" and ", last_sep=", and ")
        return sentence[formatted] if as_sentence else formatted


def setup(app) -> dict:
    """Register both styles with pybtex; returns the extension's metadata."""
    sphinxcontrib.bibtex.plugin.register_plugin(
        "sphinxcontrib.bibtex.style.referencing", "author_year_et_al", AuthorYearEtAlReferenceStyle
    )
    pybtex.plugin.register_plugin("pybtex.style.formatting", "plain_et_al", PlainEtAlStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1.0"}

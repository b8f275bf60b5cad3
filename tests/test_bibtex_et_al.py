import re

from sphinx.application import Sphinx

BIB = """
@article{many, title = {Many}, author = {Brown, Tom B. and others}, journal = {J}, year = {2020}}
@article{two, title = {Two}, author = {Glorot, Xavier and Bengio, Yoshua}, journal = {J},
  year = {2010}}
@article{three, title = {Three}, author = {Ba, Jimmy and Kiros, Jamie and Hinton, Geoffrey},
  journal = {J}, year = {2016}}
"""


def _build(tmp_path, reference_style, default_style):
    src = tmp_path / "src"
    src.mkdir()
    (src / "refs.bib").write_text(BIB)
    (src / "conf.py").write_text(
        "extensions = ['sphinxcontrib.bibtex', 'bibtex_et_al']\n"
        "bibtex_bibfiles = ['refs.bib']\n"
        f"bibtex_reference_style = {reference_style!r}\n"
        f"bibtex_default_style = {default_style!r}\n"
    )
    (src / "index.rst").write_text(
        "T\n=\n\nP :cite:p:`many` T :cite:t:`two` U :cite:t:`three` END\n\n.. bibliography::\n"
    )
    app = Sphinx(src, src, tmp_path / "out", tmp_path / "doctrees", "html", status=None)
    app.build()
    page = (tmp_path / "out" / "index.html").read_text()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", page))
    return text[text.index("P ") : text.index("END")], text[text.index("END") :]


def test_and_others_renders_et_al_in_citations_and_bibliography(tmp_path):
    cites, bibliography = _build(tmp_path, "author_year_et_al", "plain_et_al")
    assert "Brown et al., 2020" in cites
    assert "Glorot and Bengio [2010]" in cites  # two authors: unchanged
    assert "Ba et al. [2016]" in cites  # three authors: sphinxcontrib-bibtex's own et al.
    assert "Tom B. Brown et al." in bibliography
    assert "and others" not in cites + bibliography


def test_the_stock_styles_print_and_others(tmp_path):
    # what the extension fixes: without it, BibTeX's "others" is printed as a name
    cites, bibliography = _build(tmp_path, "author_year", "plain")
    assert "Brown and others" in cites and "Brown and others" in bibliography

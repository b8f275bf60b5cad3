from sphinx.builders.html._assets import _JavaScript
from sphinx_offline import remove_thebe_scripts


def test_thebe_scripts_are_removed_and_others_kept():
    scripts = [
        _JavaScript("_static/jquery.js"),
        _JavaScript(None, body='const THEBE_JS_URL = "https://unpkg.com/thebe"; const x = 1'),
        _JavaScript("_static/sphinx-thebe.js"),
        _JavaScript(None, body="var other = 1"),
    ]
    context = {"script_files": scripts}
    remove_thebe_scripts(None, "index", "page.html", context, None)
    kept = [s.filename or s.attributes.get("body") for s in context["script_files"]]
    assert kept == ["_static/jquery.js", "var other = 1"]


def test_pages_without_scripts_are_left_alone():
    context = {}
    remove_thebe_scripts(None, "index", "page.html", context, None)
    assert context == {}

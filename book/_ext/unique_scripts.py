"""Sphinx extension: drop repeated inline scripts from each HTML page.

Sphinx 7.4 registers an inline script (one with a body but no file) twice when an
extension adds it after the builder started: once with the file name None and once
with "".  The two compare unequal, so both reach the page.  sphinx-thebe's
``const THEBE_JS_URL = ...`` is one of them, and a repeated ``const`` declaration is a
JavaScript error in the browser console.
"""

from __future__ import annotations


def _script_key(script) -> tuple:
    attributes = tuple(sorted((key, str(value)) for key, value in getattr(script, "attributes", {}).items()))
    return (getattr(script, "filename", script) or "", attributes)


def remove_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen = set()
    unique = []
    for script in scripts:
        key = _script_key(script)
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    app.connect("html-page-context", remove_repeated_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

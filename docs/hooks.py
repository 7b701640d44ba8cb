"""MkDocs hook (``mkdocs.yml`` ``hooks:``): adds ``data/README.md``, the reference of every catalog
column and its source, as the page ``data-catalogs.md``, so the site shows the file the data tree
ships with, not a copy that could drift from it."""

from __future__ import annotations

from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

PAGE = "data-catalogs.md"


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """Append ``data/README.md`` (next to ``mkdocs.yml``) as the generated page ``PAGE``."""
    readme = Path(config.config_file_path).parent / "data" / "README.md"
    files.append(File.generated(config, PAGE, content=readme.read_text(encoding="utf-8")))
    return files

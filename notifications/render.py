"""Emails from Jinja2 templates: `<name>.txt` holds the subject (block `subject`) and
the plain-text body; `<name>.html` the HTML body, autoescaped, so no text a citizen
typed can become markup in a mail client."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class Renderer:
    def __init__(self, directory: Path = TEMPLATES):
        loader = jinja2.FileSystemLoader(directory)
        self.text_env = jinja2.Environment(loader=loader, autoescape=False,
                                           undefined=jinja2.StrictUndefined,
                                           keep_trailing_newline=True)
        self.html_env = jinja2.Environment(loader=loader, autoescape=True,
                                           undefined=jinja2.StrictUndefined)

    def render(self, name: str, context: dict[str, Any]) -> Rendered:
        text_t = self.text_env.get_template(f"{name}.txt")
        subject_block = text_t.blocks.get("subject")
        if subject_block is None:
            raise jinja2.TemplateError(f"{name}.txt has no subject block")
        subject = " ".join("".join(subject_block(text_t.new_context(context))).split())
        text = text_t.render(context).strip() + "\n"
        html = self.html_env.get_template(f"{name}.html").render({**context, "subject": subject})
        return Rendered(subject, text, html)

"""The router's suggestion for a complaint filed on the web: the rules of
config/routing.toml (read when the app starts, so a bad file stops it) and the learned
model: the one trained here (`casework route train`), else the starter model of
config/routing_examples.csv."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from casework import routing
from casework.config import FILES, Config

RULES_FILE = "routing.toml"
# Parsing the rules takes ~0.15 s: apps built from the same, unchanged files share them.
_CACHE: dict[tuple[Any, ...], routing.Rules] = {}
_LOCK = threading.Lock()


def _stamp(config_dir: Path) -> tuple[Any, ...]:
    out: list[Any] = [str(config_dir.resolve())]
    for name in (*FILES, RULES_FILE):
        st = (config_dir / name).stat()
        out += [name, st.st_mtime_ns, st.st_size]
    return tuple(out)


class Suggest:
    """Callable: (text, hints) → routing.Decision, or None without a rules file."""

    def __init__(self, config_dir: Path, var_dir: Path, cfg: Config) -> None:
        self.rules: routing.Rules | None = None
        if (config_dir / RULES_FILE).exists():
            key = _stamp(config_dir)
            with _LOCK:
                if key not in _CACHE:
                    _CACHE[key] = routing.load_rules(config_dir / RULES_FILE, cfg)
                self.rules = _CACHE[key]
        self.model: Any = None
        if self.rules is not None:
            from casework import suggester  # scikit-learn: only when needed

            self.model = suggester.load_model(config_dir, var_dir, self.rules.departments,
                                              self.rules.categories)

    def __call__(self, text: str, hints: Mapping[str, Any]) -> routing.Decision | None:
        if self.rules is None:
            return None
        return routing.route(text, hints, rules=self.rules, model=self.model)

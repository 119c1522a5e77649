"""The README's table of run colours and their names is what the themes draw and what
narration says (``color_name``), in both themes."""

from __future__ import annotations

import re
from pathlib import Path

from descent.scenes.kit.theme import color_name, get_theme

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(
    r"^\s*\| ([\w, ]+) \| ([\w ]+) \(`(#[0-9A-F]{6})`\) \| ([\w ]+) \(`(#[0-9A-F]{6})`\) \|$"
)


def test_the_readmes_colour_names_are_the_ones_narration_says_in_each_theme() -> None:
    rows = [m.groups() for line in README.read_text().splitlines() if (m := ROW.match(line))]
    dark, light = get_theme("dark"), get_theme("light")
    listed = set()
    for labels, dark_name, dark_hex, light_name, light_hex in rows:
        for label in labels.split(", "):
            listed.add(label)
            assert dark.runs[label] == dark_hex and light.runs[label] == light_hex, label
            assert color_name(dark_hex, dark) == dark_name, (label, "dark")
            assert color_name(light_hex, light) == light_name, (label, "light")
    assert listed == set(dark.runs) == set(light.runs)  # every optimizer with a colour

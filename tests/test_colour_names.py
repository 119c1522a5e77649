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


def test_each_colour_word_is_what_people_call_by_it_the_xkcd_surveys_centroid() -> None:
    # the reference colours are data from the XKCD colour survey, as matplotlib ships it
    from matplotlib.colors import XKCD_COLORS

    from descent.scenes.kit.theme import PLAIN_COLORS

    for word, hex_ in PLAIN_COLORS.items():
        assert XKCD_COLORS[f"xkcd:{word}"].upper() == hex_, word


def test_the_light_themes_momentum_is_called_orange_not_vermillion() -> None:
    # review4 #21: "Momentum (vermillion, ...)" over a #DB7B19 dot, which a viewer calls orange
    from descent.engine import OptimizerSpec
    from descent.scenes.kit.story import runs_text

    light = get_theme("light")
    assert color_name("#DB7B19", light) == "orange"
    said = runs_text([OptimizerSpec("SGD", lr=0.01, momentum=0.9, label="Momentum")], light)
    assert said.startswith("Momentum (orange,"), said
    # no run colour of either theme is called by a word viewers do not use for it
    for theme in (get_theme("dark"), light):
        assert "vermillion" not in {color_name(c, theme) for c in theme.runs.values()}


def test_each_themes_run_colours_have_distinct_names() -> None:
    # a caption's "the orange run" picks out one run
    for theme in (get_theme("dark"), get_theme("light")):
        colours = list(dict.fromkeys(theme.runs.values()))
        names = [color_name(c, theme) for c in colours]
        assert len(set(names)) == len(names), (theme.name, dict(zip(colours, names, strict=True)))

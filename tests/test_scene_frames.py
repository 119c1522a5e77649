"""Every scene renders its last frame (low resolution, temporary folder) and shows something."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from manim import tempconfig

from descent.scenes import SCENES, get_scene
from descent.scenes.kit import SurfaceScene, get_theme, palette_for


def last_frame(name: str, media: Path) -> np.ndarray:
    cls = get_scene(name)
    settings = {
        "media_dir": str(media),
        "pixel_width": 640,
        "pixel_height": 360,
        "frame_rate": 10,
        "save_last_frame": True,
        "write_to_movie": False,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "ERROR",
    }
    with tempconfig(settings):
        scene = cls()
        scene.render()
        return np.asarray(scene.renderer.get_frame())[..., :3].astype(int)


def near(img: np.ndarray, color: str, tol: int = 40) -> int:
    rgb = np.array([int(color.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)])
    return int((np.abs(img - rgb).sum(-1) < tol).sum())


@pytest.mark.parametrize("name", list(SCENES))
def test_last_frame_is_not_blank(name: str, tmp_path: Path) -> None:
    img = last_frame(name, tmp_path)
    theme = get_theme("dark")
    assert img.shape == (360, 640, 3)
    drawn = img.shape[0] * img.shape[1] - near(img, theme.background, tol=12)
    assert drawn > 0.03 * img.shape[0] * img.shape[1], "almost nothing drawn"
    if issubclass(get_scene(name), SurfaceScene) or name.startswith(("LossFunctions", "FitLine")):
        assert drawn > 0.12 * img.shape[0] * img.shape[1], "the heat map is missing"
    assert near(img, theme.text, tol=60) > 200, "no title / labels"
    cls = get_scene(name)
    labels = [spec.label for spec in cls.specs()]
    for color in set(palette_for(labels, theme)):
        assert near(img, color) > 5, f"no pixels of the optimizer colour {color}"
    assert list(tmp_path.rglob("*.png")), "the frame was written into the temporary folder"

"""Every scene renders its last frame (low resolution, temporary folder) and shows something."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from manim import config, tempconfig

from descent.scenes import SCENES, get_scene
from descent.scenes.kit import Room, SurfaceScene, get_theme, palette_for


def last_frame(name: str, media: Path) -> np.ndarray:
    return render_last_frame(get_scene(name), media)


def outside_the_frame(scene: Any) -> list[str]:
    """Visible parts (and the room live read-outs keep for their widest text) that reach
    past the frame's edge."""
    half_w, half_h = config.frame_width / 2 + 0.02, config.frame_height / 2 + 0.02
    found = []
    for m in scene.mobjects:
        for leaf in m.family_members_with_points():
            if not hasattr(leaf, "fill_rgbas"):
                continue  # a ValueTracker
            stroke = leaf.stroke_rgbas[:, 3].max() if leaf.get_stroke_width() else 0.0
            shown = max(leaf.fill_rgbas[:, 3].max(), stroke) > 0 or isinstance(leaf, Room)
            pts = leaf.points
            if not shown or not np.isfinite(pts).all():
                continue
            (x0, y0), (x1, y1) = pts[:, :2].min(0), pts[:, :2].max(0)
            if x0 < -half_w or x1 > half_w or y0 < -half_h or y1 > half_h:
                found.append(f"{type(leaf).__name__} x {x0:.2f}..{x1:.2f} y {y0:.2f}..{y1:.2f}")
    return found


def render_last_frame(cls: type, media: Path) -> np.ndarray:
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
        OUTSIDE[cls.__name__] = outside_the_frame(scene)
        return np.asarray(scene.renderer.get_frame())[..., :3].astype(int)


#: scene name → what its last render left outside the frame
OUTSIDE: dict[str, list[str]] = {}


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
    colors = palette_for(labels, theme)
    if "colors_for" in vars(cls):  # the scene picks its own (LearningRates: three lrs)
        from manim import tempconfig

        with tempconfig({"dry_run": True, "verbosity": "ERROR"}):
            scene = cls(skip_animations=True)
            scene.theme = theme  # as setup() sets it
            colors = scene.colors_for(cls.simulate()[1])
    for color in set(colors):
        assert near(img, color) > 5, f"no pixels of the optimizer colour {color}"
    assert list(tmp_path.rglob("*.png")), "the frame was written into the temporary folder"
    # nothing off-screen by accident, read-outs included at their widest text of any step
    assert OUTSIDE[name] == [], OUTSIDE[name]


def test_own_network_example_renders(tmp_path: Path) -> None:
    """examples/own_network.py: a user's module and tensors in a NetworkScene subclass."""
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "examples" / "own_network.py"
    spec = importlib.util.spec_from_file_location("own_network_example", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    img = render_last_frame(module.QuadrantNet, tmp_path)
    theme = get_theme("dark")
    for label in ("Momentum", "Adam"):
        assert near(img, theme.color_for(label)) > 5
    land = module.QuadrantNet.get_landscape()
    assert land.dim == 2 * 24 + 24 + 24 * 2 + 2 and land.fingerprint is not None

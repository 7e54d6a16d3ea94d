"""`shopagent bench tryon --garments`: the real-photo mode on pictures the project makes itself (never ../shared).

A tiny garments folder (the demo renderer's t-shirt and trousers on white, a labels.csv) and scikit-image's
astronaut as the person (a waist-up photo), under two names: one in the dev split, one held out.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from eval.bench_tryon import (
    SHOWS,
    Body,
    NoGarmentShots,
    Trial,
    all_photos,
    contact_sheet,
    coverage,
    evenly,
    face_pixels,
    garment_shots,
    hem_offset,
    real_report,
    region_mask,
    spill,
    split_of,
    top_offset,
)
from eval.photos import NoPhotos, sample_person_photo
from eval.stats import Table
from index.render import GarmentSpec, render_garment
from index.vocab import COLOURS
from shopagent.cli import app
from tryon.body import (
    L_ANKLE,
    L_HIP,
    L_KNEE,
    L_SHOULDER,
    R_ANKLE,
    R_HIP,
    R_KNEE,
    R_SHOULDER,
    Pose,
)
from tryon.engines import TryOnError

COLUMNS = ("garments", "split", "tried", "results", "refused", "errors", "result rate", "coverage", "spill",
           "on face", "top / hem", "colour ΔE", "ms p50 / p95", "targets met")


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(people, garments): the astronaut as person-* (dev) and idm-* (held-out); a red t-shirt and blue trousers."""
    root = tmp_path_factory.mktemp("bench-tryon")
    people, garments = root / "people", root / "garments"
    people.mkdir()
    garments.mkdir()
    for name in ("person-astronaut.png", "idm-astronaut.png"):
        shutil.copy(sample_person_photo(), people / name)
    rows = ["file,kind,category,label,main_colour"]
    for file, kind, category, colour in (("garment-tshirt-red.png", "top", "t-shirt", "red"),
                                         ("garment-trousers-blue.png", "bottom", "trousers", "blue")):
        render_garment(GarmentSpec(category, COLOURS[colour], COLOURS["white"], "solid", seed=1))[0].save(
            garments / file)
        rows.append(f"{file},{kind},{category},{category},{colour}")
    rows.append("garment-shoe.png,shoes,sneakers,sneakers,white")  # not a kind the engine dresses people in
    (garments / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return people, garments


def synthetic_pose(size: tuple[int, int] = (100, 200), ankles_in: bool = True) -> Pose:
    """A frontal stick figure: shoulders at y 40, hips at 100, knees at 150, ankles at 190 (or off the image)."""
    w, h = size
    lm = np.zeros((33, 4))
    lm[:, 3] = 1.0
    for idx, (x, y) in {R_SHOULDER: (30, 40), L_SHOULDER: (70, 40), R_HIP: (35, 100), L_HIP: (65, 100),
                        R_KNEE: (35, 150), L_KNEE: (65, 150), R_ANKLE: (35, 190 if ankles_in else 260),
                        L_ANKLE: (65, 190 if ankles_in else 260)}.items():
        lm[idx, :2] = (x, y)
    mask = np.zeros((h, w), bool)
    mask[20:195, 20:80] = True  # the silhouette
    return Pose(lm, mask, (w, h), 1)


def test_real_report_tables_and_contact_sheets(folders: tuple[Path, Path], tmp_path: Path) -> None:
    people, garments = folders
    parts = list(real_report(people, garments, per_kind=1, out=tmp_path / "out"))
    tables = [p for p in parts if isinstance(p, Table)]
    main = tables[0]
    assert main.columns == COLUMNS and "2 people x 2 garments" in main.title
    rows = {(r.cells[0], r.cells[1]): r.cells for r in main.rows}
    assert set(rows) == {("tops", "dev"), ("tops", "held-out"), ("trousers", "dev"), ("trousers", "held-out")}
    for cells in rows.values():
        tried, results, errors = int(cells[2]), int(cells[3]), int(cells[5])
        assert tried == 1 and results + int(cells[4].split()[0]) + errors == tried
    assert any(line.startswith("targets:") and "p95 <= 1000 ms" in line for line in parts if isinstance(line, str))
    sheets = [Path(p.split(": ", 1)[1]) for p in parts if isinstance(p, str) and p.startswith("contact sheet: ")]
    assert {s.name for s in sheets} == {"top-dev.png", "top-heldout.png", "legs-dev.png", "legs-heldout.png"}
    for sheet in sheets:
        with Image.open(sheet) as image:
            assert image.format == "PNG" and image.width == 2 * 160  # the product shot, then the one person


class Refuses:
    """An engine that refuses tops and crashes on anything else."""

    id = "fake"

    def try_on(self, person, garment, category, options=None):  # noqa: ANN001, ANN201
        if category == "t-shirt":
            raise TryOnError("no tops today")
        raise RuntimeError("boom")


def test_refusals_and_crashes_are_rows(folders: tuple[Path, Path], tmp_path: Path) -> None:
    people, garments = folders
    parts = list(real_report(people, garments, per_kind=1, out=tmp_path, engine=Refuses()))
    main, reasons = [p for p in parts if isinstance(p, Table)]
    rows = {(r.cells[0], r.cells[1]): r.cells for r in main.rows}
    assert rows[("tops", "dev")][3:6] == ("0", "1", "0")
    assert rows[("trousers", "held-out")][3:6] == ("0", "0", "1")
    counted = {(r.cells[1], r.cells[2]): int(r.cells[3]) for r in reasons.rows}
    assert counted == {("refused", "no tops today"): 2, ("error", "RuntimeError: boom"): 2}


def test_cli_real_mode(folders: tuple[Path, Path], tmp_path: Path) -> None:
    people, garments = folders
    result = CliRunner().invoke(app, ["bench", "tryon", "--photos", str(people), "--garments", str(garments),
                                      "--per-kind", "1", "--out", str(tmp_path / "sheets")], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "warp engine on real photos" in result.output and (tmp_path / "sheets" / "top-dev.png").is_file()
    bare = tmp_path / "bare"
    bare.mkdir()
    missing = CliRunner().invoke(app, ["bench", "tryon", "--photos", str(people), "--garments", str(bare)])
    assert missing.exit_code == 1 and "has no labels.csv" in missing.output


def test_folders_and_splits(folders: tuple[Path, Path], tmp_path: Path) -> None:
    people, garments = folders
    (people / "notes.txt").write_text("not a photo")
    assert [p.name for p in all_photos(people)] == ["idm-astronaut.png", "person-astronaut.png"]  # no name filter
    with pytest.raises(NoPhotos, match="no photos in"):
        all_photos(tmp_path)
    shots = garment_shots(garments)
    assert {k: [s.category for s in v] for k, v in shots.items()} == {"top": ["t-shirt"], "legs": ["trousers"]}
    with pytest.raises(NoGarmentShots, match="labels.csv"):
        garment_shots(tmp_path)
    assert split_of("idm-00034_00.jpg") == "held-out" and split_of("ootd-model_1.jpg") == "dev"
    assert split_of("person-man-fullbody.png") == "dev"
    assert evenly(list(range(10)), 3) == [0, 4, 9] and evenly([1, 2], 6) == [1, 2] and evenly([1, 2, 3], 1) == [1]


def test_coverage_and_spill_on_synthetic_masks() -> None:
    region = np.zeros((50, 40), bool)
    region[10:30, 10:30] = True
    assert coverage(region.copy(), region) == 1.0
    half = region.copy()
    half[20:] = False
    assert coverage(half, region) == pytest.approx(0.5)
    assert coverage(region, np.zeros_like(region)) is None  # no region to cover
    person = region
    assert spill(region[5:45, 5:35].copy() & person[5:45, 5:35], person[5:45, 5:35]) == 0.0
    off = np.zeros_like(region)
    off[:, 38:] = True  # far from the body: more than 3% of 50 px (2 px) away
    assert spill(off, person) == 1.0
    assert spill(np.zeros_like(region), person) is None  # no garment pixels
    box = (12, 12, 16, 14)
    assert face_pixels(region, box) == 4 * 2 and face_pixels(np.zeros_like(region), box) == 0


def test_regions_and_positions_on_a_stick_figure() -> None:
    found = synthetic_pose()
    torso = region_mask(found, "top")
    assert torso[70, 50] and not torso[30, 50] and not torso[120, 50]  # between shoulders and hips only
    legs = region_mask(found, "legs")
    assert legs[180, 40] and not legs[90, 50]  # down to the ankles
    knees_only = region_mask(synthetic_pose(ankles_in=False), "legs")
    assert knees_only[140, 50] and not knees_only[170, 50]  # ankles off the image: down to the knees
    top = np.zeros((200, 100), bool)
    top[34:106, 25:75] = True  # from 6 px above the shoulders to 6 px below the hips; the torso is 60 px
    lm = found.landmarks
    assert top_offset(top, lm, "top") == pytest.approx(-0.1) and hem_offset(top, lm, "top") == pytest.approx(5 / 60)
    assert hem_offset(top, lm, "legs") is None
    trousers = np.zeros((200, 100), bool)
    trousers[94:190, 30:70] = True
    assert top_offset(trousers, lm, "legs") == pytest.approx(-0.1)
    assert coverage(top, region_mask(found, "top")) == 1.0


def test_who_shows_the_region() -> None:
    full, cropped = synthetic_pose(), synthetic_pose()
    cropped.landmarks[[L_KNEE, R_KNEE], 1] = 230  # below the bottom of the photo
    assert Body(full).shows("dress") and Body(full).shows("legs")
    assert Body(cropped).shows("top") and not Body(cropped).shows("dress") and not Body(cropped).shows("legs")
    assert not Body(None, problem="no person").shows("top")
    assert set(SHOWS) >= {"top", "dress", "legs"}


def test_contact_sheet_draws_results_refusals_and_gaps(tmp_path: Path) -> None:
    from eval.bench_tryon import Shot

    shot_path = tmp_path / "shot.png"
    Image.new("RGB", (300, 400), "white").save(shot_path)
    shots = [Shot(shot_path, "t-shirt", "top")]
    trials = [Trial("a.png", "shot.png", "top", "dev", True, "result", coverage=0.9, spill=0.0, face_px=3,
                    thumb=Image.new("RGB", (160, 213), "red")),
              Trial("b.png", "shot.png", "top", "dev", True, "refused", "the shoulders are not in the photo")]
    path = contact_sheet(trials, shots, ["a.png", "b.png", "c.png"], tmp_path / "sheet.png")
    with Image.open(path) as sheet:
        assert sheet.size == (4 * 160, 16 + 213 + 14)
        assert sheet.getpixel((160 + 80, 16 + 100)) == (255, 0, 0)  # the result
        assert sheet.getpixel((2 * 160 + 150, 16 + 200)) == (200, 200, 200)  # the refusal's grey tile

"""Handwritten digits read from a blank: OpenCV's script faces (never trained on), joined and
slanted digits, a blank's dots and the rule above it, and the weights shipped."""

from __future__ import annotations

from importlib import resources

import cv2
import numpy as np
import pytest

from sohoa_lib.scan import handdigits

LINE = 40.0
"""The printed line's height in the test blanks, pixels."""


def blank(draw, width: int = 420) -> np.ndarray:
    """A blank as printed forms leave it: a rule above (the line under the issuer's name), a
    dotted leader under the writing, paper white."""
    img = np.full((120, width), 255, np.uint8)
    cv2.line(img, (0, 12), (width - 1, 12), 0, 3)
    for x in range(0, width, 14):
        cv2.circle(img, (x, 100), 2, 0, -1)
    draw(img)
    return img


@pytest.mark.parametrize("face", [cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, cv2.FONT_HERSHEY_SCRIPT_COMPLEX])
@pytest.mark.parametrize("number", ["2807", "15", "0369", "4512", "7"])
def test_script_digits_never_trained_on_are_read(face, number):
    img = blank(lambda im: cv2.putText(im, number, (40, 85), face, 2.0, 0, 5, cv2.LINE_AA))
    reading = handdigits.read_digits(img, LINE)
    assert reading is not None and reading.digits == number
    assert reading.least > 0.9


@pytest.mark.parametrize("number", ["22", "06", "15", "38"])
def test_digits_written_joined_are_cut_apart(number):
    def draw(im):
        # Each digit starts inside the one before: one connected mark. (Drawn 4–8 px closer, a 0
        # and a 6 read 05 at 0.98 and more: why a reading is always flagged.)
        for i, d in enumerate(number):
            cv2.putText(im, d, (40 + 26 * i, 85), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.0, 0, 6)

    img = blank(draw)
    count, _ = cv2.connectedComponents((img[20:95] < 128).astype(np.uint8))
    assert count - 1 == 1
    reading = handdigits.read_digits(img, LINE)
    assert reading is not None and reading.digits == number and reading.joined


def test_slanted_digits_are_stood_upright():
    img = blank(
        lambda im: cv2.putText(im, "08", (60, 85), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.0, 0, 5)
    )
    shear = np.float32([[1, 0.45, -30], [0, 1, 0]])
    slanted = cv2.warpAffine(img, shear, (img.shape[1], img.shape[0]), borderValue=255)
    reading = handdigits.read_digits(slanted, LINE)
    assert reading is not None and reading.digits == "08"


def test_marks_outside_the_blank_are_the_printed_words_around_it():
    def draw(im):
        cv2.putText(im, "Ab", (5, 85), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 3)
        cv2.putText(im, "36", (150, 85), cv2.FONT_HERSHEY_SCRIPT_SIMPLEX, 2.0, 0, 5)
        cv2.putText(im, "/QD", (330, 85), cv2.FONT_HERSHEY_SIMPLEX, 1.5, 0, 3)

    reading = handdigits.read_digits(blank(draw), LINE, span=(110, 320))
    assert reading is not None and reading.digits == "36"


def test_an_empty_blank_reads_nothing():
    assert handdigits.read_digits(blank(lambda im: None), LINE) is None
    paper = np.full((120, 300), 240, np.uint8) + np.random.default_rng(1).integers(
        0, 12, (120, 300)
    ).astype(np.uint8)
    assert handdigits.read_digits(paper, LINE) is None


def test_the_shipped_weights_hold_their_measured_accuracy():
    with resources.files("sohoa_lib").joinpath("data/handdigits.npz").open("rb") as fh:
        model = np.load(fh)
        assert float(model["test_accuracy"]) >= 0.99
        assert model["w1"].shape == (16, 1, 5, 5) and model["w4"].shape == (10, 128)

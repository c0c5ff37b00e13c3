"""A fake camera for Chromium: a YUV4MPEG2 (.y4m) video of a still image, written with Pillow.

Chromium's `--use-file-for-fake-video-capture=<file.y4m>` plays such a file in a loop to
`getUserMedia`. The format is a text header, then per frame "FRAME\\n" and the raw planes:
4:2:0 (`C420jpeg`) means a full-size luma (Y) plane and two quarter-size chroma planes (U, V).
A black-and-white QR code needs luma only, so chroma is the neutral 128.
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

WIDTH, HEIGHT = 640, 480


def frame_of(png: bytes, *, width: int = WIDTH, height: int = HEIGHT, fill: float = 0.75) -> Image.Image:
    """A grey (L) frame with the image scaled to `fill` of its height, centred on white."""
    image = Image.open(io.BytesIO(png)).convert("L")
    side = int(height * fill)
    image = image.resize((side, side), Image.Resampling.NEAREST)
    frame = Image.new("L", (width, height), 255)
    frame.paste(image, ((width - side) // 2, (height - side) // 2))
    return frame


def write_y4m(path: Path, frame: Image.Image, *, frames: int = 10, fps: int = 10) -> Path:
    """Write `frames` copies of a greyscale frame as a 4:2:0 YUV4MPEG2 file."""
    width, height = frame.size
    if width % 2 or height % 2:
        raise ValueError("4:2:0 needs even dimensions")
    luma = frame.convert("L").tobytes()
    chroma = bytes([128]) * ((width // 2) * (height // 2))
    with path.open("wb") as fh:
        fh.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            fh.write(b"FRAME\n")
            fh.write(luma)
            fh.write(chroma)
            fh.write(chroma)
    return path

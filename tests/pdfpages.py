"""Read back the PDFs Harkop draws (fpdf2 output): each page's size, its text with positions and its
images, enough for tests to check that everything lies on the page and that QR codes decode.

A small reader written for the tests because no PDF library is installed: it follows the objects of
an uncompressed or Flate-compressed file, the page tree in order, the text operators fpdf2 writes
(`BT x y Td (text) Tj … ET`, several strings joined, fonts set with `Tf`) and image placements (`w 0 0 h x y cm /I1 Do`).
Text widths come from the standard fonts' metrics (the 14 fonts every viewer has), measured with
fpdf2's metric tables in points.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass, field

from fpdf import FPDF
from PIL import Image

_OBJ = re.compile(rb"(\d+) 0 obj\s*")
_REF = rb"(\d+) 0 R"
_FONTS = {
    "Helvetica": ("helvetica", ""),
    "Helvetica-Bold": ("helvetica", "B"),
    "Helvetica-Oblique": ("helvetica", "I"),
    "Helvetica-BoldOblique": ("helvetica", "BI"),
    "Courier": ("courier", ""),
    "Courier-Bold": ("courier", "B"),
    "Times-Roman": ("times", ""),
    "Times-Bold": ("times", "B"),
    "Times-Italic": ("times", "I"),
}


@dataclass
class Text:
    """A run of text: its string, font size, left x and baseline y (points from the bottom left), width."""

    text: str
    size: float
    x: float
    y: float
    width: float


@dataclass
class Placed:
    """An image on a page: its box in points and the picture itself."""

    x: float
    y: float
    w: float
    h: float
    image: Image.Image


@dataclass
class Page:
    """One page: size in points, its texts and images."""

    width: float
    height: float
    texts: list[Text] = field(default_factory=list)
    images: list[Placed] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All the page's text, one run per line."""
        return "\n".join(t.text for t in self.texts)

    def outside(self, margin: float = 0.0) -> list[Text]:
        """Texts that do not lie wholly inside the page (with `margin` points to spare)."""
        return [
            t
            for t in self.texts
            if t.x < margin
            or t.x + t.width > self.width - margin
            or t.y - 0.25 * t.size < margin
            or t.y + 0.8 * t.size > self.height - margin
        ]


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes | None]]:
    objects: dict[int, tuple[bytes, bytes | None]] = {}
    pos = 0
    while (m := _OBJ.search(pdf, pos)) is not None:
        number, start = int(m.group(1)), m.end()
        end_dict = pdf.find(b"endobj", start)
        stream_at = pdf.find(b"stream", start)
        if stream_at != -1 and stream_at < end_dict:
            head = pdf[start:stream_at]
            length = int(re.search(rb"/Length (\d+)", head).group(1))
            body_start = stream_at + len(b"stream")
            body_start += 2 if pdf[body_start : body_start + 2] == b"\r\n" else 1
            data = pdf[body_start : body_start + length]
            if b"/FlateDecode" in head and b"/Subtype /Image" not in head:
                data = zlib.decompress(data)
            objects[number] = (head, data)
            pos = pdf.find(b"endobj", body_start + length) + 6
        else:
            objects[number] = (pdf[start:end_dict], None)
            pos = end_dict + 6
    return objects


def _unescape(raw: bytes) -> str:
    out = re.sub(rb"\\([()\\])", rb"\1", raw)
    out = re.sub(rb"\\(\d{3})", lambda m: bytes([int(m.group(1), 8)]), out)
    return out.decode("latin-1")


def _png(head: bytes, data: bytes) -> Image.Image:
    width = int(re.search(rb"/Width (\d+)", head).group(1))
    height = int(re.search(rb"/Height (\d+)", head).group(1))
    gray = b"/DeviceGray" in head
    colour = 0 if gray else 2

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    return Image.open(io.BytesIO(png))


def read_pdf(pdf: bytes) -> list[Page]:
    """The document's pages in order, with their text runs and images."""
    objects = _objects(pdf)
    root = next(h for h, _ in objects.values() if b"/Type /Pages" in h)
    default_box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", root)
    kids = [int(n) for n in re.findall(_REF, re.search(rb"/Kids \[(.*?)\]", root, re.S).group(1))]
    metrics = FPDF(unit="pt")
    pages = []
    for kid in kids:
        head, _ = objects[kid]
        box = re.search(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", head) or default_box
        page = Page(float(box.group(1)), float(box.group(2)))
        resources = objects[int(re.search(rb"/Resources " + _REF, head).group(1))][0]
        fonts = {
            name.decode(): re.search(rb"/BaseFont /([\w-]+)", objects[int(ref)][0]).group(1).decode()
            for name, ref in re.findall(rb"/(F\d+) " + _REF, resources)
        }
        xobjects = dict(re.findall(rb"/(I\d+) " + _REF, resources))
        content = objects[int(re.search(rb"/Contents " + _REF, head).group(1))][1] or b""
        font, size = "Helvetica", 12.0
        token = re.compile(
            rb"/(F\d+) ([\d.]+) Tf|BT ([\d.-]+) ([\d.-]+) Td(?:[^()]*?)((?:\((?:\\.|[^\\)])*\) Tj\s*)+)"
            rb"|([\d.]+) 0 0 ([\d.]+) ([\d.-]+) ([\d.-]+) cm /(I\d+) Do"
        )
        for m in token.finditer(content):
            if m.group(1):
                font, size = fonts[m.group(1).decode()], float(m.group(2))
            elif m.group(3):
                runs = re.findall(rb"\(((?:\\.|[^\\)])*)\) Tj", m.group(5))
                text = "".join(_unescape(run) for run in runs)
                family, style = _FONTS.get(font, ("helvetica", ""))
                metrics.set_font(family, style, size)
                width = metrics.get_string_width(text)
                page.texts.append(Text(text, size, float(m.group(3)), float(m.group(4)), width))
            else:
                w, h, x, y = (float(m.group(i)) for i in range(6, 10))
                img_head, img_data = objects[int(xobjects[m.group(10)])]
                page.images.append(Placed(x, y, w, h, _png(img_head, img_data)))
        pages.append(page)
    return pages

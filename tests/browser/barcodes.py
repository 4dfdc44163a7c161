"""Barcodes as a camera films them: Code 128 pictures, box labels, and the frames of Chromium's fake camera."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

# Code 128: the bar/space widths of the 107 symbols (value 0..105, then the stop with its final bar).
CODE128_WIDTHS = (
    "212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 122231 "
    "113222 123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 "
    "212123 212321 232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 112133 112331 132131 "
    "113123 113321 133121 313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 "
    "314111 221411 431111 111224 111422 121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 "
    "241211 221114 413111 241112 134111 111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 "
    "214121 412121 111143 111341 131141 114113 114311 411113 411311 113141 114131 311141 411131 211412 211214 "
    "211232 2331112"
)
CODE128 = CODE128_WIDTHS.split()
START_B = 104


def code128(text: str, *, module: int = 3, height: int = 140, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A Code 128 (code set B) of ``text``, black on white, centred on a grey image of ``size``."""
    values = [START_B, *(ord(c) - 32 for c in text)]
    check = (values[0] + sum(i * v for i, v in enumerate(values[1:], start=1))) % 103
    widths = "".join(CODE128[v] for v in [*values, check]) + CODE128[-1]
    total = sum(map(int, widths)) + 20  # 10 modules of quiet zone on each side
    image = Image.new("L", size, 200)
    left, top = (size[0] - total * module) // 2, (size[1] - height) // 2
    draw = ImageDraw.Draw(image)
    draw.rectangle([left, top - 20, left + total * module, top + height + 20], fill=255)
    x = left + 10 * module
    for n, width in enumerate(int(w) for w in widths):
        if n % 2 == 0:  # bars and spaces alternate, starting with a bar
            draw.rectangle([x, top, x + width * module - 1, top + height], fill=0)
        x += width * module
    return image


def y4m(image: Image.Image, path: Path) -> Path:
    """One grey frame as a YUV4MPEG2 (4:2:0) file, the format of Chromium's fake camera."""
    gray = image.convert("L")
    chroma = bytes([128]) * ((gray.width // 2) * (gray.height // 2))
    header = f"YUV4MPEG2 W{gray.width} H{gray.height} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + b"FRAME\n" + gray.tobytes() + chroma + chroma)
    return path


def box_label(serial: str, imei: str) -> Image.Image:
    """The label on a box: the serial number's barcode above the IMEI's, as a camera films it."""
    label = Image.new("L", (640, 480), 200)
    label.paste(code128(serial, module=2, height=90, size=(640, 240)), (0, 0))
    label.paste(code128(imei, module=2, height=90, size=(640, 240)), (0, 240))
    return label

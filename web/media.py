"""Photo uploads: validated by content, re-encoded without metadata, stored by content hash.

Every accepted upload is decoded with Pillow and written out again, so nothing the camera
or phone attached survives: no EXIF (GPS, device, time), no XMP, no comments, no ICC profile
(pixels are first converted to sRGB when one is present). EXIF orientation is applied to
the pixels before it is dropped. Output rule: an image with real transparency is stored as
PNG (lossless, keeps the alpha); everything else becomes a progressive JPEG, quality 85.
The longest side is capped at MAX_SIDE. Files live at ``<media_dir>/<h[:2]>/<h>.<ext>``,
where ``h`` is the sha256 of the stored bytes, with a JPEG thumbnail beside it at
``<h>.thumb.jpg``. Only the first frame of animated or multi-picture files is kept.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
THUMB_SIDE = 320
JPEG_QUALITY = 85
THUMB_QUALITY = 80

# Pillow plugin ids tried when opening. The JPEG plugin also yields "MPO" (multi-picture
# JPEG, common from phone cameras), which is accepted as JPEG.
_OPEN_FORMATS = ("JPEG", "PNG", "WEBP")
_ACCEPTED = {"JPEG", "MPO", "PNG", "WEBP"}
_NAME_RE = re.compile(r"(?P<d>[0-9a-f]{2})/(?P<h>[0-9a-f]{64})(?:\.thumb\.jpg|\.jpg|\.png)")
_SRGB = ImageCms.createProfile("sRGB")


class PhotoError(Exception):
    """An upload or name that was refused. ``code`` is stable; the web layer translates it."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class StoredPhoto:
    name: str  # "ab/ab12...ef.jpg", relative to media_dir
    thumb: str  # "ab/ab12...ef.thumb.jpg"
    width: int
    height: int
    content_type: str


def _open_checked(data: bytes) -> Image.Image:
    """Identify by content, refuse other formats and huge canvases, then fully decode."""
    try:
        probe = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
    except Image.DecompressionBombError as exc:
        raise PhotoError(422, "too_many_pixels", "The image has too many pixels.") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _classify(data) from exc
    if probe.format not in _ACCEPTED:
        raise PhotoError(422, "unsupported_type", f"{probe.format} images are not accepted.")
    width, height = probe.size
    if width * height > MAX_PIXELS:
        raise PhotoError(
            422, "too_many_pixels",
            f"The image is {width}x{height}; at most {MAX_PIXELS:,} pixels are accepted.")
    try:
        probe.verify()  # structural check (PNG CRCs etc.); the object is unusable after it
        im = Image.open(io.BytesIO(data), formats=_OPEN_FORMATS)
        if im.format in ("JPEG", "MPO"):
            im.draft("RGB", (MAX_SIDE, MAX_SIDE))  # let libjpeg scale big photos down cheaply
        im.load()
    except Exception as exc:  # any decoder failure means a broken or truncated file
        raise PhotoError(
            422, "not_an_image", "The file is damaged or truncated and cannot be read.") from exc
    return im


def _classify(data: bytes) -> PhotoError:
    """The error for data the accepted decoders refused: another image type, or not an image."""
    try:
        with Image.open(io.BytesIO(data)) as other:
            kind = other.format or "This"
    except Exception:
        return PhotoError(422, "not_an_image", "The file is not a JPEG, PNG or WebP image.")
    return PhotoError(
        422, "unsupported_type", f"{kind} images are not accepted; use JPEG, PNG or WebP.")


def _to_srgb(im: Image.Image) -> Image.Image:
    icc = im.info.get("icc_profile")
    if not icc or im.mode not in ("RGB", "RGBA", "CMYK"):
        return im
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out = ImageCms.profileToProfile(
            im, src, _SRGB, outputMode="RGBA" if im.mode == "RGBA" else "RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return im  # unusable profile: keep the pixels as they are
    return out if out is not None else im


def _has_alpha(im: Image.Image) -> bool:
    return im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info


def _normalise(im: Image.Image) -> Image.Image:
    """Orientation applied, sRGB, RGB or RGBA, at most MAX_SIDE, and no metadata at all."""
    im = ImageOps.exif_transpose(im)
    im = _to_srgb(im)
    if im.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey PNG: scale, don't clip
        im = im.convert("I").point(lambda v: v / 256).convert("L")
    if _has_alpha(im):
        im = im.convert("RGBA")
        if im.getchannel("A").getextrema() == (255, 255):  # fully opaque: no real alpha
            im = im.convert("RGB")
    else:
        im = im.convert("RGB")
    im.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    clean = Image.new(im.mode, im.size)  # fresh image: no info dict, no cached EXIF
    clean.paste(im)
    return clean


def _encode(im: Image.Image) -> tuple[bytes, str, str]:
    buf = io.BytesIO()
    if im.mode == "RGBA":
        im.save(buf, "PNG")
        return buf.getvalue(), "png", "image/png"
    im.save(buf, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
    return buf.getvalue(), "jpg", "image/jpeg"


def _thumbnail(im: Image.Image) -> bytes:
    small = im.copy()
    small.thumbnail((THUMB_SIDE, THUMB_SIDE), Image.Resampling.LANCZOS)
    if small.mode == "RGBA":  # JPEG has no alpha: flatten onto white
        flat = Image.new("RGB", small.size, (255, 255, 255))
        flat.paste(small, mask=small.getchannel("A"))
        small = flat
    buf = io.BytesIO()
    small.save(buf, "JPEG", quality=THUMB_QUALITY, progressive=True, optimize=True)
    return buf.getvalue()


def _write_once(path: Path, data: bytes) -> None:
    """Write atomically (temp file in the same directory, then os.replace); skip if present."""
    if path.is_file():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_photo(data: bytes, media_dir: Path, *, max_bytes: int = MAX_BYTES) -> StoredPhoto:
    """Validate, clean and store one uploaded photo; raise PhotoError when it is refused."""
    if len(data) > max_bytes:
        raise PhotoError(
            413, "too_large", f"The file is {len(data):,} bytes; at most {max_bytes:,} allowed.")
    with _open_checked(data) as decoded:
        im = _normalise(decoded)
    body, ext, content_type = _encode(im)
    digest = hashlib.sha256(body).hexdigest()
    name = f"{digest[:2]}/{digest}.{ext}"
    thumb = f"{digest[:2]}/{digest}.thumb.jpg"
    # thumbnail first: once the photo itself exists, its thumbnail does too
    _write_once(media_dir / thumb, _thumbnail(im))
    _write_once(media_dir / name, body)
    return StoredPhoto(name=name, thumb=thumb, width=im.width, height=im.height,
                       content_type=content_type)


def media_path(media_dir: Path, name: str) -> Path:
    """The file for a stored name (photo or thumbnail); anything else is 'not_found' (404)."""
    match = _NAME_RE.fullmatch(name)
    if match is None or match["h"][:2] != match["d"]:
        raise PhotoError(404, "not_found", "No such photo.")
    path = media_dir / name
    if not path.is_file():
        raise PhotoError(404, "not_found", "No such photo.")
    return path

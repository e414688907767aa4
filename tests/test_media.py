"""web.media: uploads are checked by content, stripped of metadata and stored by hash."""

from __future__ import annotations

import hashlib
import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import ExifTags, Image, ImageCms

from web.media import (
    MAX_SIDE,
    THUMB_SIDE,
    PhotoError,
    StoredPhoto,
    media_path,
    store_photo,
)

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/'
       b'02/22-rdf-syntax-ns#"><rdf:Description exif:GPSLatitude="16,26.0N"/></rdf:RDF>'
       b'</x:xmpmeta>')


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


def photo(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Left half red, right half blue: orientation is visible in the pixels."""
    im = Image.new("RGB", size, (220, 20, 20))
    im.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return im


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Camera 9"
    exif[ExifTags.Base.DateTime] = "2025:01:02 03:04:05"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)  # tag 0x8825
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (16.0, 26.0, 0.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (102.0, 50.0, 0.0)
    return exif


def png_header_only(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose IHDR claims width x height (1-bit grey)."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b""))
            + chunk(b"IEND", b""))


def files(media: Path) -> list[str]:
    if not media.exists():
        return []
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def reopen(media: Path, name: str) -> Image.Image:
    im = Image.open(media / name)
    im.load()
    return im


def test_jpeg_loses_exif_gps_xmp_comment_and_icc(tmp_path: Path) -> None:
    exif = gps_exif()
    assert exif.get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really carries GPS
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(photo(), "JPEG", exif=exif, xmp=XMP, comment=b"home of the complainant",
                  icc_profile=srgb)
    src = Image.open(io.BytesIO(data))
    assert src.getexif() and "exif" in src.info and "xmp" in src.info and "comment" in src.info

    stored = store_photo(data, tmp_path)

    assert stored.content_type == "image/jpeg" and stored.name.endswith(".jpg")
    out = reopen(tmp_path, stored.name)
    assert out.format == "JPEG"
    assert len(out.getexif()) == 0
    assert not out.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    for key in ("exif", "xmp", "comment", "icc_profile"):
        assert key not in out.info, key
    raw = (tmp_path / stored.name).read_bytes()
    for needle in (b"Exif", b"xmpmeta", b"PhoneMaker", b"complainant", b"ICC_PROFILE"):
        assert needle not in raw, needle
    assert (stored.width, stored.height) == out.size == (64, 48)
    assert out.info.get("progressive") or out.info.get("progression")


def test_jpeg_comment_dropped_without_colour_conversion(tmp_path: Path) -> None:
    # no ICC profile here, so no colour conversion: the metadata must be dropped explicitly
    data = encode(photo(), "JPEG", comment=b"home of the complainant", exif=gps_exif())
    stored = store_photo(data, tmp_path)
    out = reopen(tmp_path, stored.name)
    assert "comment" not in out.info and "exif" not in out.info
    assert b"complainant" not in (tmp_path / stored.name).read_bytes()
    thumb = (tmp_path / stored.thumb).read_bytes()
    assert b"complainant" not in thumb and b"Exif" not in thumb


def test_exif_orientation_is_applied_then_dropped(tmp_path: Path) -> None:
    # Orientation 6: the camera held sideways; viewers rotate 90° clockwise.
    data = encode(photo((64, 48)), "JPEG", exif=gps_exif(orientation=6), quality=95)
    stored = store_photo(data, tmp_path)
    out = reopen(tmp_path, stored.name)
    assert out.size == (stored.width, stored.height) == (48, 64)
    assert ExifTags.Base.Orientation not in out.getexif()
    top, bottom = out.getpixel((24, 5)), out.getpixel((24, 58))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 150 and top[2] < 100  # the red left half is now on top
    assert bottom[2] > 150 and bottom[0] < 100


def test_png_and_webp_accepted(tmp_path: Path) -> None:
    png = store_photo(encode(photo(), "PNG", exif=gps_exif()), tmp_path)
    webp = store_photo(encode(photo(), "WEBP", exif=gps_exif(), xmp=XMP), tmp_path)
    for stored in (png, webp):
        assert stored.content_type == "image/jpeg"  # opaque images are stored as JPEG
        out = reopen(tmp_path, stored.name)
        assert out.format == "JPEG" and len(out.getexif()) == 0 and "xmp" not in out.info


def test_transparent_png_stays_png_with_alpha(tmp_path: Path) -> None:
    im = Image.new("RGBA", (40, 30), (0, 128, 0, 0))
    im.paste((0, 128, 0, 255), (10, 10, 30, 20))
    stored = store_photo(encode(im, "PNG", exif=gps_exif()), tmp_path)
    assert stored.content_type == "image/png" and stored.name.endswith(".png")
    out = reopen(tmp_path, stored.name)
    assert out.mode == "RGBA" and out.getchannel("A").getextrema() == (0, 255)
    assert len(out.getexif()) == 0 and "exif" not in out.info
    thumb = reopen(tmp_path, stored.thumb)
    assert thumb.format == "JPEG" and thumb.mode == "RGB"


def test_opaque_rgba_becomes_jpeg(tmp_path: Path) -> None:
    stored = store_photo(encode(photo().convert("RGBA"), "PNG"), tmp_path)
    assert stored.content_type == "image/jpeg"


def test_multi_picture_jpeg_accepted(tmp_path: Path) -> None:
    data = encode(photo(), "MPO", save_all=True, append_images=[photo().rotate(90)])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    stored = store_photo(data, tmp_path)
    assert reopen(tmp_path, stored.name).format == "JPEG"


def test_sixteen_bit_grey_png_is_scaled_not_clipped(tmp_path: Path) -> None:
    stored = store_photo(encode(Image.new("I;16", (20, 20), 30000), "PNG"), tmp_path)
    value = reopen(tmp_path, stored.name).convert("L").getpixel((10, 10))
    assert isinstance(value, int) and 100 < value < 135  # 30000/65535 of 255 ≈ 117


def test_large_photo_downscaled_and_thumbnail_small(tmp_path: Path) -> None:
    stored = store_photo(encode(photo((3000, 1200)), "JPEG"), tmp_path)
    assert (stored.width, stored.height) == (MAX_SIDE, 1024)
    assert reopen(tmp_path, stored.name).size == (MAX_SIDE, 1024)
    assert stored.thumb == stored.name.removesuffix(".jpg") + ".thumb.jpg"
    thumb = reopen(tmp_path, stored.thumb)
    assert thumb.format == "JPEG" and max(thumb.size) <= THUMB_SIDE
    assert thumb.size == (THUMB_SIDE, 128) and len(thumb.getexif()) == 0


def test_small_photo_not_upscaled(tmp_path: Path) -> None:
    stored = store_photo(encode(photo((30, 20)), "JPEG"), tmp_path)
    assert reopen(tmp_path, stored.thumb).size == (30, 20)


def test_same_image_twice_same_name_one_file(tmp_path: Path) -> None:
    data = encode(photo(), "JPEG", exif=gps_exif())
    first = store_photo(data, tmp_path)
    before = {n: (tmp_path / n).stat().st_mtime_ns for n in (first.name, first.thumb)}
    second = store_photo(data, tmp_path)
    assert first == second
    assert isinstance(first, StoredPhoto)
    assert files(tmp_path) == sorted([first.name, first.thumb])  # no temp files left over
    assert {n: (tmp_path / n).stat().st_mtime_ns for n in (first.name, first.thumb)} == before
    digest = first.name.split("/")[1].split(".")[0]
    assert first.name == f"{digest[:2]}/{digest}.jpg" and len(digest) == 64
    assert hashlib.sha256((tmp_path / first.name).read_bytes()).hexdigest() == digest


def test_metadata_only_difference_dedupes(tmp_path: Path) -> None:
    plain = store_photo(encode(photo(), "PNG"), tmp_path)
    tagged = store_photo(encode(photo(), "PNG", exif=gps_exif()), tmp_path)
    assert plain.name == tagged.name  # hash is of the re-encoded output


def _gif() -> bytes:
    return encode(photo(), "GIF")


def _bmp() -> bytes:
    return encode(photo(), "BMP")


def _pdf() -> bytes:
    return encode(photo(), "PDF")


def _truncated_jpeg() -> bytes:
    data = encode(photo((400, 300)), "JPEG")
    return data[: len(data) // 2]


def _truncated_png() -> bytes:
    data = encode(Image.effect_noise((200, 200), 64), "PNG")
    return data[: len(data) // 2]


def _png_without_iend() -> bytes:
    # decodes fine; only Pillow's verify() notices the file was cut short
    return encode(Image.effect_noise((50, 50), 64), "PNG")[:-12]


def _text_named_jpg(tmp_path: Path) -> bytes:
    path = tmp_path / "photo.jpg"
    path.write_text("ร้องเรียนเรื่องไฟฟ้าดับ — this is not a photo\n", encoding="utf-8")
    return path.read_bytes()


@pytest.mark.parametrize(("make", "code"), [
    (lambda _: _gif(), "unsupported_type"),
    (lambda _: _bmp(), "unsupported_type"),
    (lambda _: _pdf(), "not_an_image"),
    (_text_named_jpg, "not_an_image"),
    (lambda _: os.urandom(4096), "not_an_image"),
    (lambda _: b"", "not_an_image"),
    (lambda _: b"\xff\xd8\xff\xe0" + os.urandom(200), "not_an_image"),  # JPEG magic, junk
    (lambda _: _truncated_jpeg(), "not_an_image"),
    (lambda _: _truncated_png(), "not_an_image"),
    (lambda _: _png_without_iend(), "not_an_image"),
], ids=["gif", "bmp", "pdf", "text-named-jpg", "random", "empty", "jpeg-magic-junk",
        "truncated-jpeg", "truncated-png", "png-without-iend"])
def test_refused_with_422(tmp_path: Path, make: object, code: str) -> None:
    assert callable(make)
    data = make(tmp_path)
    media = tmp_path / "media"
    with pytest.raises(PhotoError) as err:
        store_photo(data, media)
    assert (err.value.status, err.value.code) == (422, code)
    assert str(err.value)
    assert files(media) == []


def test_too_large_is_413_before_decoding(tmp_path: Path) -> None:
    data = encode(photo(), "JPEG")
    with pytest.raises(PhotoError) as err:
        store_photo(data, tmp_path, max_bytes=len(data) - 1)
    assert (err.value.status, err.value.code) == (413, "too_large")
    with pytest.raises(PhotoError) as err:  # size is checked first, even for junk
        store_photo(b"x" * 101, tmp_path, max_bytes=100)
    assert err.value.status == 413
    assert store_photo(data, tmp_path, max_bytes=len(data)).width == 64
    assert files(tmp_path)


@pytest.mark.parametrize("size", [(50_000, 50_000), (8000, 5001), (40_000_001, 1)])
def test_decompression_bomb_refused_quickly(tmp_path: Path, size: tuple[int, int]) -> None:
    data = png_header_only(*size)
    assert len(data) < 100
    started = time.perf_counter()
    with pytest.raises(PhotoError) as err:
        store_photo(data, tmp_path)
    assert time.perf_counter() - started < 1.0
    assert (err.value.status, err.value.code) == (422, "too_many_pixels")
    assert files(tmp_path) == []


def test_media_path_resolves_stored_names(tmp_path: Path) -> None:
    stored = store_photo(encode(photo(), "JPEG"), tmp_path)
    assert media_path(tmp_path, stored.name) == tmp_path / stored.name
    assert media_path(tmp_path, stored.thumb) == tmp_path / stored.thumb
    # a file placed under the wrong two-character folder is not a stored name
    digest = stored.name.split("/")[1]
    wrong = ("00" if not digest.startswith("00") else "11") + "/" + digest
    (tmp_path / wrong).parent.mkdir(exist_ok=True)
    (tmp_path / wrong).write_bytes(b"x")
    with pytest.raises(PhotoError) as err:
        media_path(tmp_path, wrong)
    assert err.value.code == "not_found"


@pytest.mark.parametrize("name", [
    "../x", "/etc/passwd", "ab/../../x", "..", "", "ab/cdef.jpg", "ab/" + "a" * 64 + ".jpg",
    "00/00" + "0" * 62 + ".gif", "00/00" + "0" * 62 + ".jpg\n", "00/../00" + "0" * 62 + ".jpg",
    "00\\00" + "0" * 62 + ".jpg", "00/00" + "0" * 62 + ".JPG", "00/00" + "0" * 62 + ".jpg",
])
def test_media_path_refuses_bad_or_missing_names(tmp_path: Path, name: str) -> None:
    (tmp_path / "00").mkdir()
    (tmp_path / "x").write_text("secret")
    with pytest.raises(PhotoError) as err:
        media_path(tmp_path, name)
    assert (err.value.status, err.value.code) == (404, "not_found")

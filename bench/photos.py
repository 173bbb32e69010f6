"""Photo pipeline benchmark, a check: the whole upload pipeline against Pillow doing exactly its pixel work.

A realistic 12-megapixel phone JPEG with EXIF (GPS in Ankang, orientation 6, camera, time) is made here with Pillow.
The pipeline (format check, pixel cap, draft decode, EXIF facts, orientation, 2048 display + 320 thumbnail, sRGB,
clean re-encode, SHA-256, perceptual hash, atomic writes of both files) runs N times in-process; beside it, in the
same run and interleaved with it, the baseline: bare Pillow doing the same pixel work (the same draft decode, the
same orientation, the same two output sizes and filter, the same JPEG quality), nothing else. Target: the pipeline
costs at most 1.15x the baseline; exits 1 on a miss. For context, Pillow's full-size `open + load + save` of the
12 MP picture is a second line. Peak memory of one run of each is measured in a fresh process from /proc (Pillow's
buffers are invisible to tracemalloc).

    .venv/bin/python bench/photos.py [N]
    .venv/bin/python bench/photos.py --worst [JPEG,PNG,WEBP,HEIF]
    .venv/bin/python bench/photos.py --storage [N]

`--worst` prints, for each format, the peak memory of one upload of the worst file the pipeline accepts: the largest
picture its decode budget allows (`pipeline.DECODE_BYTES_PER_PIXEL`, `DECODE_BUDGET_MIB`; JPEGs up to
`MAX_IMAGE_PIXELS`), with and without transparency (CMYK for JPEG), each in a fresh process. Target: under 200 MiB
above the process's size before the upload.
"""
import io
import math
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageOps  # noqa: E402

from bench.verdict import Verdict  # noqa: E402
from reporter.media.pipeline import (  # noqa: E402
    DECODE_BUDGET_MIB,
    DECODE_BYTES_PER_PIXEL,
    DISPLAY_SIDE,
    DRAFT_SLACK,
    JPEG_QUALITY,
    THUMBNAIL_SIDE,
    _fit,  # the pipeline's size arithmetic (plain Pillow resize, BICUBIC, reducing_gap=2)
    _shrink,
    process,
)
from reporter.media.storage import FileSystemStorage, image_key  # noqa: E402
from tests.media.images import ANKANG, exif  # noqa: E402

SIZE = (4032, 3024)  # 12.2 MP, the usual phone sensor
MAX_PIXELS = 50_000_000


def phone_photo() -> bytes:
    """A 12 MP JPEG with texture (so it compresses like a photo, not like a flat test card) and full EXIF."""
    base = Image.effect_mandelbrot(SIZE, (-2.0, -1.2, 1.0, 1.2), 120)
    noise = Image.effect_noise(SIZE, 35)
    ramp = Image.linear_gradient("L").resize(SIZE)
    bands = (Image.blend(base, noise, 0.35), Image.blend(noise, ramp, 0.5), Image.blend(ramp, base, 0.3))
    im = Image.merge("RGB", bands)
    facts = exif(gps=ANKANG, orientation=6, taken=datetime(2024, 5, 1, 10, 20, 30), make="Xiaomi", model="14 Ultra")
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=facts)
    return out.getvalue()


def pipeline_run(data: bytes, store: FileSystemStorage) -> None:
    """What POST /api/v1/uploads does to the bytes, up to (not including) the database row."""
    image = process(data, MAX_PIXELS)
    store.put(image_key("display", image.sha256), image.display)
    store.put(image_key("thumbnail", image.sha256), image.thumbnail)


def like_for_like(data: bytes) -> None:
    """Bare Pillow, the pipeline's pixel work only: draft decode to about the display size, orientation, the
    display (fit in 2048) and the thumbnail (fit in 320) resized as the pipeline resizes, both encoded at its
    quality."""
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", _fit(im.size, int(DISPLAY_SIDE * DRAFT_SLACK)))
        im.load()
        display = ImageOps.exif_transpose(_shrink(im, DISPLAY_SIDE))
    thumbnail = _shrink(display, THUMBNAIL_SIDE)
    for picture in (display, thumbnail):
        picture.save(io.BytesIO(), "JPEG", quality=JPEG_QUALITY)


def bare_run(data: bytes) -> None:
    """Pillow's bare decode of the full image and encode at the same quality."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        im.save(io.BytesIO(), "JPEG", quality=JPEG_QUALITY)


def rates(first, second, n: int) -> tuple[float, float]:
    """Photos per second of two runs, interleaved (so a busy machine slows both alike), from median run times."""
    first(), second()  # warm-up
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for fn, bucket in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - started)
    return 1 / statistics.median(times[0]), 1 / statistics.median(times[1])


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _peak_child(which: str, data: bytes, root: str, queue) -> None:
    """Run once; report how far the peak resident set rose above the resident set before the run."""
    before = _status_kib("VmRSS")
    Path("/proc/self/clear_refs").write_text("5")  # reset the peak (VmHWM) to the current size
    if which == "pipeline":
        pipeline_run(data, FileSystemStorage(root))
    else:
        bare_run(data)
    queue.put(_status_kib("VmHWM") - before)


def peak_mib(which: str, data: bytes, root: str) -> float:
    """Growth of peak resident memory over one run, in a fresh process (Linux /proc; KiB → MiB)."""
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_peak_child, args=(which, data, root, queue))
    proc.start()
    grown = queue.get()
    proc.join()
    return grown / 1024


def worst_files(fmt: str) -> list[tuple[str, bytes]]:
    """The largest pictures of a format the pipeline accepts, with and without alpha (JPEG: RGB and CMYK)."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    files = []
    # (has alpha, mode): CMYK is JPEG's largest decode; a 16-bit grey PNG is converted on its way to RGB
    variants = {"JPEG": [(False, "RGB"), (False, "CMYK")], "PNG": [(False, "RGB"), (False, "I;16"), (True, "RGBA")]}
    for alpha, mode in variants.get(fmt, [(False, "RGB"), (True, "RGBA")]):
        per_pixel = DECODE_BYTES_PER_PIXEL[(fmt, alpha)]
        # JPEGs are costed at their draft size: any of up to MAX_IMAGE_PIXELS passes
        pixels = MAX_PIXELS if fmt == "JPEG" else min(MAX_PIXELS, DECODE_BUDGET_MIB * 1024 * 1024 / per_pixel)
        side = math.isqrt(int(pixels)) - 2
        grey = Image.linear_gradient("L").resize((side, side))
        im = Image.merge("RGB", (grey, grey.transpose(Image.Transpose.ROTATE_90), grey)).convert(mode)
        out = io.BytesIO()
        params = {"PNG": {"compress_level": 1}, "WEBP": {"quality": 10, "method": 0},
                  "HEIF": {"quality": 30}}.get(fmt, {"quality": 80})
        im.save(out, fmt, **params)
        files.append((f"{side}x{side} {mode}", out.getvalue()))
    return files


def worst(formats: list[str]) -> None:
    """Peak memory per upload of the worst accepted file of each format (a line per format: `worst FMT +N MiB`)."""
    with tempfile.TemporaryDirectory() as root:
        for fmt in formats:
            peaks = []
            for label, data in worst_files(fmt):
                peak = peak_mib("pipeline", data, root)
                peaks.append(peak)
                print(f"  {fmt} {label} ({len(data) / 1e3:.0f} kB): +{peak:.0f} MiB", flush=True)
            print(f"worst {fmt} +{max(peaks):.0f} MiB (target < 200 MiB)", flush=True)


def storage_throughput(n: int) -> None:
    """Uploads per second through the whole pipeline, writing to the file system and to an S3-compatible store
    (a SeaweedFS started here on free ports), interleaved in the same run. Target: the store keeps at least half the
    file system's rate (the pipeline's pixel work dominates; a store on the network adds a round trip per variant)."""
    from reporter.media.objectstore import S3Storage
    from tests.support.objectstore import SeaweedFS

    data = phone_photo()
    with tempfile.TemporaryDirectory() as root, SeaweedFS(Path(root) / "weed") as weed:
        weed.make_bucket("bench")
        os.environ.update(weed.credentials())  # boto3 reads the usual AWS variables, as in production
        store = S3Storage("bench", endpoint=weed.endpoint)
        disk = FileSystemStorage(Path(root) / "uploads")
        on_disk, on_store = rates(lambda: pipeline_run(data, disk), lambda: pipeline_run(data, store), n)
        ratio = on_store / on_disk
        print(f"upload pipeline to the file system:   {on_disk:6.2f} photos/s")
        print(f"upload pipeline to the object store:  {on_store:6.2f} photos/s (SeaweedFS on this machine)")
        print(f"ratio store / file system: {ratio:.2f}  (target >= 0.50)")
        if ratio < 0.5:
            raise SystemExit(1)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--storage":
        storage_throughput(int(sys.argv[2]) if len(sys.argv) > 2 else 10)
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--worst":
        worst((sys.argv[2] if len(sys.argv) > 2 else "JPEG,PNG,WEBP,HEIF").split(","))
        return
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    data = phone_photo()
    with tempfile.TemporaryDirectory() as root:
        store = FileSystemStorage(root)
        result = process(data, MAX_PIXELS)
        print(f"photo: {SIZE[0]}x{SIZE[1]} JPEG, {len(data) / 1e6:.1f} MB with EXIF; stored display "
              f"{result.width}x{result.height} ({len(result.display) / 1e3:.0f} kB) + thumbnail "
              f"({len(result.thumbnail) / 1e3:.0f} kB); GPS {result.facts.gps_lat}, {result.facts.gps_lng}")
        pipeline, same = rates(lambda: pipeline_run(data, store), lambda: like_for_like(data), n)
        _, full = rates(lambda: pipeline_run(data, store), lambda: bare_run(data), max(3, n // 2))
        print(f"full pipeline (both sizes, hashes, EXIF, atomic writes): {pipeline:6.2f} photos/s")
        print(f"bare Pillow, the same pixel work (draft, sizes, quality): {same:6.2f} photos/s")
        print(f"bare Pillow open + load + save of the full 12 MP image:  {full:6.2f} photos/s "
              f"(pipeline cost / this: {full / pipeline:.2f}x, for context)")
        print(f"peak memory of one run: pipeline +{peak_mib('pipeline', data, root):.0f} MiB, "
              f"bare +{peak_mib('bare', data, root):.0f} MiB")
    verdict = Verdict("photos")
    verdict.at_most("pipeline cost / Pillow doing the same pixel work", same / pipeline, 1.15)
    verdict.exit()


if __name__ == "__main__":
    main()

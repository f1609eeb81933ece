"""Memory of concurrent picture uploads at the pixel limit.

    cd bench && ../.venv/bin/python images_bench.py [--uploads 8] [--slots N] [--pixels N]

Makes the largest picture the app accepts of every kind an attacker would choose (4:3, one colour, so
the files are small), then, for each kind in a fresh process, stores --uploads of them at once from as
many threads, as a gthread worker would, as a post stores them (every width up to 2048 px). A fresh process per kind makes the
peak its own: the figure is the process's peak resident memory (VmHWM) less what it held before the
uploads (the app, Pillow, the files). --slots sets IMAGE_DECODE_SLOTS (pictures a process decodes at
once; the app's setting by default); --pixels makes every picture that size instead of the largest
accepted (above the limit, uploads are refused and say so in the table).
Prints a Markdown table.
"""

import argparse
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time

import common  # noqa: F401  (puts the project on the path)
from PIL import Image

# What each kind is made of: (mode, colour, format, save options).
KINDS = {
    "PNG, one colour RGB (the reported file)": ("RGB", (200, 30, 30), "PNG", {}),
    "PNG, one colour RGBA": ("RGBA", (200, 30, 30, 128), "PNG", {}),
    "PNG, palette with transparency": ("P", 1, "PNG", {"transparency": 0}),
    "GIF, one colour": ("P", 1, "GIF", {}),
    "WebP lossless, RGBA": ("RGBA", (200, 30, 30, 128), "WEBP", {"lossless": True}),
    "JPEG baseline 4:2:0 (as phones write)": ("RGB", (200, 30, 30), "JPEG", {"quality": 90}),
    "JPEG progressive 4:4:4": ("RGB", (200, 30, 30), "JPEG", {"progressive": True, "subsampling": 0}),
}


def vm(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)


def largest(fmt, pixels):
    """The size of the largest 4:3 picture of `fmt` the app accepts (or of `pixels`, when given)."""
    if not pixels:
        from socialapp import create_app
        from socialapp.services import images

        with create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).app_context():
            pixels = images._max_pixels(fmt)
    width = int(math.sqrt(pixels * 4 / 3))
    return width, pixels // width


def make_files(folder, pixels):
    """{kind: (path, size)} for every kind of picture, made in `folder`."""
    files = {}
    for n, (kind, (mode, colour, fmt, options)) in enumerate(KINDS.items()):
        size = largest(fmt, pixels)
        image = Image.new(mode, size, colour)
        if mode == "P":
            image.putpalette([0, 0, 0, 200, 30, 30] + [0] * 762)
        path = os.path.join(folder, f"{n}.{fmt.lower()}")
        image.save(path, fmt, **options)
        files[kind] = (path, size)
    return files


def run_one(path, uploads, slots):
    """In this process: store `uploads` copies of the picture at once; print the result as JSON."""
    from socialapp import create_app
    from socialapp.services import images, pictures

    def store_post_picture(data):
        """As a post stores a picture: every width up to MAX_SIDE."""
        return images.store_widths(data, 1, pictures.WIDTHS, pictures.MAX_SIDE)

    with tempfile.TemporaryDirectory() as media:
        # Waiting is what the other uploads do here: none may give up before its turn comes.
        config = {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "MEDIA_ROOT": media,
            "LOG_LEVEL": "WARNING",
            "IMAGE_DECODE_WAIT": 3600,
        }
        if slots:
            config["IMAGE_DECODE_SLOTS"] = slots
        app = create_app(config)
        with open(path, "rb") as file:
            data = file.read()
        with app.app_context():
            store_post_picture(io.BytesIO(picture_bytes_small()))  # warm Pillow up
        before = vm("VmRSS")
        errors = []

        def upload():
            with app.app_context():
                try:
                    store_post_picture(io.BytesIO(data))
                except images.ImageError as error:
                    errors.append(error.message)

        threads = [threading.Thread(target=upload) for _ in range(uploads)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - start
    print(json.dumps({"peak": vm("VmHWM") - before, "seconds": seconds, "size": len(data), "errors": errors}))


def picture_bytes_small():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64)).save(buffer, "PNG")
    return buffer.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--uploads", type=int, default=8)
    parser.add_argument("--pixels", type=int)
    parser.add_argument("--slots", type=int)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return run_one(args.one, args.uploads, args.slots)
    from socialapp.config import from_environment

    slots = args.slots or from_environment(tempfile.gettempdir())["IMAGE_DECODE_SLOTS"]
    with tempfile.TemporaryDirectory() as folder:
        files = make_files(folder, args.pixels)
        print(f"\n{args.uploads} uploads at once, {slots} decoded at a time\n")
        print("| picture | pixels | file | peak MiB above the idle process | per decode MiB | seconds |")
        print("|---|---|---|---|---|---|")
        for kind, (path, (width, height)) in files.items():
            command = [sys.executable, __file__, "--one", path, "--uploads", str(args.uploads)]
            if args.slots:
                command += ["--slots", str(args.slots)]
            result = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
            note = f" (refused: {result['errors'][0]})" if result["errors"] else ""
            per_decode = result["peak"] / 2**20 / min(slots, args.uploads)
            print(
                f"| {kind}{note} | {width}x{height} ({width * height / 1e6:.1f} MP) | {result['size'] / 1024:,.0f} KB "
                f"| {result['peak'] / 2**20:,.0f} | {per_decode:,.0f} | {result['seconds']:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()

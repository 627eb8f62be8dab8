"""Seeds for the fuzz targets that need no zoo binary: PNG files, frame-folder names, `zoo metrics` inputs.

Usage: python3 Tools/fuzz/make_text_seeds.py Fuzz/Corpus
Writes Fuzz/Corpus/{png,frame-names,metrics}/. The PNGs are written with zlib by the PNG specification's
rules (every colour type and bit depth the reader meets in datasets, one interlaced); the names follow the
layouts of BAIR, KTH, Cityscapes and numbered frame folders; the metrics inputs describe valid and invalid
truth/prediction files in the byte layout Fuzz/Sources/fuzz-metrics reads.
"""
import os
import struct
import sys
import zlib


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png(width, height, colour, depth, rows, interlace=0, palette=None, extra=b""):
    head = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    body = b"".join(b"\x00" + r for r in rows)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head)
    if palette:
        out += chunk(b"PLTE", palette)
    return out + extra + chunk(b"IDAT", zlib.compress(body)) + chunk(b"IEND", b"")


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def pngs(folder):
    w, h = 3, 2
    write(folder, "gray8.png", png(w, h, 0, 8, [bytes([10, 20, 30]), bytes([40, 50, 60])]))
    write(folder, "rgb8.png", png(w, h, 2, 8, [bytes(range(9)), bytes(range(9, 18))]))
    write(folder, "rgba8.png", png(2, 2, 6, 8, [bytes(range(8)), bytes(range(8, 16))]))
    write(folder, "grayalpha8.png", png(2, 1, 4, 8, [bytes([1, 255, 2, 128])]))
    write(folder, "gray16.png", png(2, 1, 0, 16, [bytes([1, 2, 3, 4])]))
    write(folder, "rgb16.png", png(1, 1, 2, 16, [bytes([0, 1, 2, 3, 4, 5])]))
    write(folder, "palette.png", png(2, 2, 3, 8, [bytes([0, 1]), bytes([1, 0])], palette=bytes([0, 0, 0, 255, 255, 255]),
                                      extra=chunk(b"tRNS", bytes([0]))))
    write(folder, "gray1.png", png(8, 1, 0, 1, [bytes([0b10110010])]))
    # Adam7 for a 3x2 RGB image: passes 1, 4 and 6 hold one pixel of row 0 each, pass 7 all of row 1.
    passes = [b"\x00" + bytes([1, 2, 3]), b"\x00" + bytes([4, 5, 6]), b"\x00" + bytes([7, 8, 9]),
              b"\x00" + bytes(range(10, 19))]
    head = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 1)
    adam = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", head) + chunk(b"IDAT", zlib.compress(b"".join(passes))) + chunk(b"IEND", b"")
    write(folder, "adam7.png", adam)


def names(folder):
    seeds = {
        "bair.txt": "traj_0_to_255/traj_0/0.png\ntraj_0_to_255/traj_0/1.png\ntraj_0_to_255/traj_0/2.png\n"
                    "traj_0_to_255/traj_1/0.png\ntraj_0_to_255/traj_1/1.png\n",
        "numbered.txt": "clip/0001.png\nclip/0002.png\nclip/0010.png\nclip/image-12.png\n",
        "kth.txt": "person01_walking_d1/frame_0001.png\nperson01_walking_d1/frame_0002.png\n"
                   "person02_running_d2/frame_0001.png\n",
        "split.txt": "train/a/00.png\ntrain/a/01.png\ntest/b/00.png\ntest/b/01.png\nval/c/5.png\n",
        "cityscapes.txt": "train/aachen/aachen_000000_000019_leftImg8bit.png\n"
                          "train/aachen/aachen_000000_000020_leftImg8bit.png\n"
                          "val/frankfurt/frankfurt_000001_000030_leftImg8bit.png\n"
                          "val/frankfurt/frankfurt_000001_000031_leftImg8bit.png\n",
        "mixed.txt": "seq/1.png\nseq/1.jpg\nseq/notes.txt\nother/frame.png\n",
        "same_number.txt": "s/a1.png\ns/b01.png\n",
        "deep.txt": "a/b/c/d/0.png\na/b/c/d/1.png\na/b/0.png\n",
        "bignumber.txt": "s/99999999999999999999999.png\ns/1.png\n",
    }
    for name, text in seeds.items():
        write(folder, name, text.encode())


def metrics(folder):
    def spec(rank_dims, kind=0, other=False):
        return bytes([len(rank_dims)] + list(rank_dims) + [kind, 7 if other else 0])

    def seed(name, metric_bits, option_bits, context, clips, batch, truth, pred, fill=b"\x10\x80\xf0"):
        head = bytes([metric_bits, option_bits, context & 0xFF, clips & 0xFF, batch & 0xFF])
        write(folder, name, head + truth + pred + fill)

    seed("valid_crps.bin", 0b0011, 0, 0, 0, 0, spec([2, 4, 8, 8, 1]), spec([2, 2, 2, 8, 8, 1]))
    seed("valid_all.bin", 0b1111, 0b11000, 0, 0, 0, spec([3, 3, 8, 8, 3]), spec([3, 2, 1, 8, 8, 3]))
    seed("same_frames.bin", 0b0111, 0b0111, 1, 1, 2, spec([2, 3, 4, 4, 1]), spec([2, 1, 3, 4, 4, 1]))
    seed("float_pred.bin", 0b0001, 0, 0, 0, 0, spec([2, 4, 4, 4, 1]), spec([2, 1, 2, 4, 4, 1], kind=2))
    seed("wrong_rank.bin", 0b0001, 0, 0, 0, 0, spec([2, 4, 4, 4]), spec([2, 1, 2, 4, 4, 1]))
    seed("other_name.bin", 0b0001, 0, 0, 0, 0, spec([2, 4, 4, 4, 1]), spec([2, 1, 2, 4, 4, 1], other=True))
    seed("fvd.bin", 0b100000, 0b100, 0, 0, 1, spec([2, 4, 4, 4, 1]), spec([2, 1, 2, 4, 4, 1]))
    seed("heatmap.bin", 0b0001, 0b100000, 0, 0, 0, spec([1, 3, 4, 4, 1]), spec([1, 2, 1, 4, 4, 1]))


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else "Fuzz/Corpus"
    pngs(os.path.join(root, "png"))
    names(os.path.join(root, "frame-names"))
    metrics(os.path.join(root, "metrics"))

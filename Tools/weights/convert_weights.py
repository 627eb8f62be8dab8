#!/usr/bin/env python3
"""Dump a metric checkpoint (a pickle of nested dicts of numpy arrays) to the raw format ZooCore reads.

Usage: convert_weights.py CHECKPOINT OUTPUT.raw [--sha256 EXPECTED]

Only numpy is needed. The checkpoint's sha256 is checked BEFORE it is unpickled (when --sha256 is given), and
the unpickler only accepts the classes numpy arrays need, so a tampered file cannot run code.

Output format ("ZOORAW01"): the 8 ASCII bytes ZOORAW01, a little-endian uint64 header length, a UTF-8 JSON
header {"sha256": ..., "source": ..., "arrays": [{"name": "a/b/kernel", "shape": [...], "offset": bytes,
"count": n}, ...]}, then every array as float32 little-endian, C order, at its offset from the header's end.
Array names are the '/'-joined dict keys (flax paths). `zoo weights fetch` turns the dump into HDF5.
Prints one JSON line: {"sha256", "arrays", "values"}.
"""
import hashlib
import json
import pickle
import struct
import sys

import numpy as np

ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"), ("collections", "OrderedDict"),
}


class ArraysOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing {module}.{name}: the checkpoint should hold only numpy arrays")


def flatten(tree, prefix=""):
    for key in sorted(tree):
        value = tree[key]
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, path + "/")
        else:
            yield path, np.asarray(value)


def write_raw(path, arrays, sha256="", source=""):
    """arrays: iterable of (name, numpy array). Writes the ZOORAW01 file; returns the number of values."""
    entries, blobs, offset = [], [], 0
    for name, a in arrays:
        a = np.ascontiguousarray(a, dtype="<f4")
        entries.append({"name": name, "shape": list(a.shape), "offset": offset, "count": int(a.size)})
        blobs.append(a.tobytes())
        offset += a.nbytes
    header = json.dumps({"sha256": sha256, "source": source, "arrays": entries}).encode()
    with open(path, "wb") as f:
        f.write(b"ZOORAW01")
        f.write(struct.pack("<Q", len(header)))
        f.write(header)
        for b in blobs:
            f.write(b)
    return sum(e["count"] for e in entries), len(entries)


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--sha256"):
        sys.exit(__doc__)
    source, output = argv[0], argv[1]
    data = open(source, "rb").read()
    digest = hashlib.sha256(data).hexdigest()
    if len(argv) == 4 and digest != argv[3].lower():
        sys.exit(f"{source}: sha256 {digest} does not match the expected {argv[3]}; not converting it")
    import io
    tree = ArraysOnly(io.BytesIO(data)).load()
    if not isinstance(tree, dict):
        sys.exit(f"{source}: expected a dict of arrays, got {type(tree).__name__}")
    values, count = write_raw(output, flatten(tree), sha256=digest, source=source)
    print(json.dumps({"sha256": digest, "arrays": count, "values": values}))


if __name__ == "__main__":
    main(sys.argv[1:])

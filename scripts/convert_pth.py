#!/usr/bin/env python3
"""Convert an official DiffIR checkpoint to safetensors with the same key names.

    /usr/bin/python3 scripts/convert_pth.py IN.pth|IN.ckpt OUT.safetensors [--unsafe-pickle]

Containers (spec §5.1):
  * BasicSR (deblur, SRGAN, RealSR): a dict with `params_ema`, else `params`;
  * PyTorch Lightning (inpainting .ckpt): `state_dict`, whose `generator.` entries are the
    Stage-2 network (`generatorS1.`, discriminator, loss and evaluator entries are dropped);
  * otherwise a plain state_dict.
A leading `module.` (DataParallel) is stripped. Floating tensors keep their dtype when it is
F32, F16, BF16 or F64 (the library converts them to float); other tensors are left out with a
note on stderr. The file is written to OUT.tmp and renamed, so a failure leaves no OUT.

Needs Debian's python3-torch (numpy comes with it); the library itself never runs Python.
By default the checkpoint is unpickled with torch.load(weights_only=True), which refuses
arbitrary objects; --unsafe-pickle allows them (only for files you trust).
"""

import argparse
import json
import os
import sys
import tempfile

import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64"}


def pick_state_dict(obj):
    """The network's state_dict and a description of where it was found."""
    if isinstance(obj, dict):
        for key in ("params_ema", "params"):
            if key in obj and isinstance(obj[key], dict):
                return obj[key], key
        if "state_dict" in obj and isinstance(obj["state_dict"], dict):
            sd = obj["state_dict"]
            if any(k.startswith("generator.") for k in sd):
                return {k[len("generator."):]: v for k, v in sd.items() if k.startswith("generator.")}, \
                    "state_dict (Lightning, generator.)"
            return sd, "state_dict"
        if obj and all(torch.is_tensor(v) for v in obj.values()):
            return obj, "plain state_dict"
    raise SystemExit("convert_pth: error: no params_ema, params, state_dict or plain state_dict in the checkpoint")


def strip_module(sd):
    if sd and all(k.startswith("module.") for k in sd):
        return {k[len("module."):]: v for k, v in sd.items()}
    return sd


def write_safetensors(path, tensors, metadata):
    header, blobs, pos = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        if t.dtype == torch.bfloat16:  # numpy has no bfloat16: reinterpret the bits
            raw = t.view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [pos, pos + len(raw)]}
        blobs.append(raw)
        pos += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    # a new temporary beside path (never an existing file), renamed over it when complete
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".tmp.", dir=os.path.dirname(path) or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(len(h).to_bytes(8, "little"))
            f.write(h)
            for b in blobs:
                f.write(b)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--unsafe-pickle", action="store_true", help="allow arbitrary pickled objects")
    a = ap.parse_args()
    try:
        obj = torch.load(a.input, map_location="cpu", weights_only=not a.unsafe_pickle)
    except Exception as e:  # noqa: BLE001 - report any unpickling problem in one line
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        hint = "" if a.unsafe_pickle else " (if you trust the file, retry with --unsafe-pickle)"
        raise SystemExit(f"convert_pth: error: cannot load {a.input}: {msg}{hint}")
    sd, where = pick_state_dict(obj)
    sd = strip_module(sd)
    keep, skipped = {}, []
    for k, v in sd.items():
        if torch.is_tensor(v) and v.dtype in DTYPES:
            keep[k] = v
        else:
            skipped.append(k)
    if not keep:
        raise SystemExit("convert_pth: error: the checkpoint holds no floating-point tensors")
    if skipped:
        print(f"convert_pth: note: left out {len(skipped)} non-float entries: {', '.join(skipped[:8])}"
              + (" ..." if len(skipped) > 8 else ""), file=sys.stderr)
    write_safetensors(a.output, keep, {"format": "pt", "source": os.path.basename(a.input), "container": where})
    print(f"convert_pth: {len(keep)} tensors from {where} -> {a.output}", file=sys.stderr)


if __name__ == "__main__":
    main()

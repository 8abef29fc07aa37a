"""Regenerates the small interop fixtures in this directory (needs numpy and
safetensors; the library and its tests never run Python).

    python3 make_fixtures.py
"""
import numpy as np
from safetensors.numpy import save_file

a = (np.arange(12, dtype="<f4").reshape(1, 3, 2, 2) * 0.5 - 1.0)
np.save("numpy_f4.npy", a)
np.save("numpy_f8.npy", np.array([[0.1, -2.5], [1e30, 3.0]], dtype="<f8"))
for v in (2, 3):
    with open(f"numpy_f4_v{v}.npy", "wb") as f:
        np.lib.format.write_array(f, a, version=(v, 0))
np.save("numpy_be.npy", a.astype(">f4"))
np.save("numpy_fortran.npy", np.asfortranarray(a.reshape(3, 4)))
np.save("numpy_i4.npy", np.arange(4, dtype="<i4"))

save_file(
    {
        "w32": a.reshape(3, 4),
        "w16": np.array([1.0, -2.0, 65504.0, 6.1035156e-05, 5.9604645e-08], dtype="<f2"),
        "w64": np.array([0.25, -1e-3], dtype="<f8"),
    },
    "reference.safetensors",
    metadata={"format": "np"},
)

"""Write ``assets/digits.npz``: scikit-learn's bundled copy of the UCI optdigits 8x8 digits.

Run from the repository root (needs scikit-learn; the app itself does not)::

    python scripts/make_digits.py

The 1,797 digits (values 0-16) are split once, stratified, with seed 0, into 1,347 train
and 450 test images, and stored as uint8 to keep the file small. The loader in
:mod:`poolviz.lab.data` places each digit on a 16x16 canvas and scales it to [0, 1].
Data: UCI ML "Optical Recognition of Handwritten Digits" (Alpaydin & Kaynak), CC BY 4.0.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

OUT = Path(__file__).resolve().parents[1] / "assets" / "digits.npz"


def main() -> None:
    digits = load_digits()
    x = digits.images.astype(np.uint8)  # exact: the values are the integers 0..16
    y = digits.target.astype(np.uint8)
    x_train, x_test, y_train, y_test = train_test_split(
        x, y, test_size=450, stratify=y, random_state=0
    )
    np.savez_compressed(OUT, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {len(x_train)} train, {len(x_test)} test")


if __name__ == "__main__":
    main()

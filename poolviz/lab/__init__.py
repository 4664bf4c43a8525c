"""The Digits lab: six small CNNs on the UCI optdigits digits, in pure numpy.

Trains, evaluates and explains why (or whether) pooling between convolutions matters in a
trained network: accuracy under shifts, consistency (Zhang 2019), one-pixel flips (Azulay &
Weiss 2019) and exact circular invariance of APS (Chaman & Dokmanić 2021). No Streamlit and
no import of the core ops here, so the package survives the core's move to ``poolviz.core``.

>>> from poolviz.lab import ARCHS
>>> ARCHS
('nopool', 'maxpool', 'avgpool', 'strided', 'blurpool', 'aps')
"""

from poolviz.lab.nets import ARCHS, PADDINGS

__all__ = ["ARCHS", "PADDINGS"]

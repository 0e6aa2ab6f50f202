"""West Kalimantan place names for generated posts: the seed corpus (data/seed/build.py) and the demo stream.

The seed corpus draws from the full lists. The demo stream draws from a smaller set centred on Sekadau;
its choice and order are part of the committed data/demo/posts.jsonl, so they are written as selections
of the full lists (plus one desa of its own) rather than as a second copy.
"""

from __future__ import annotations

KABUPATEN = (
    "Sekadau",
    "Sanggau",
    "Sintang",
    "Melawi",
    "Kapuas Hulu",
    "Pontianak",
    "Kubu Raya",
    "Landak",
    "Ketapang",
    "Bengkayang",
    "Singkawang",
    "Sambas",
    "Mempawah",
)
KECAMATAN = (
    "Sekadau Hilir",
    "Sekadau Hulu",
    "Nanga Taman",
    "Nanga Mahap",
    "Belitang",
    "Belitang Hilir",
    "Belitang Hulu",
    "Kapuas",
    "Parindu",
    "Tayan Hilir",
    "Meliau",
    "Nanga Pinoh",
)
DESA = (
    "Mungguk",
    "Sungai Ringin",
    "Tapang Semadak",
    "Seraras",
    "Landau Kumpai",
    "Nanga Menterap",
    "Gonis Tekam",
    "Sebetung",
    "Tanjung",
    "Peniti",
    "Sungai Ayak",
    "Bokak Sebumbun",
)

# The demo stream's places.
STREAM_KABUPATEN = KABUPATEN[:9]
STREAM_KECAMATAN = tuple(KECAMATAN[i] for i in (0, 1, 2, 3, 4, 6, 10))
STREAM_DESA = (*(DESA[i] for i in (0, 1, 2, 3, 6, 7)), "Peniti Jaya")

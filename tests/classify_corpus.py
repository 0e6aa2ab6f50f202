"""A small labelled corpus for the classifier tests (written for the tests; seconds to train on).

`{p}` marks a reference to a candidate pair; every such post is expanded for all three pairs with
different kinds of reference (name, nickname, number in context), so the corpus is balanced by design.
"""

from __future__ import annotations

import json
from pathlib import Path

PAIR_REFS = {
    "01": ["Anies", "paslon 01", "Cak Imin", "Anies-Muhaimin"],
    "02": ["Prabowo", "paslon 02", "Mas Gibran", "Prabowo-Gibran"],
    "03": ["Ganjar", "paslon 03", "Pak Mahfud", "Ganjar-Mahfud"],
}

HOAX = [
    "SEBARKAN!! server sirekap ada di singapura dan suara {p} sudah diatur dari sana",
    "info dari grup sebelah: surat suara sudah dicoblos untuk {p} ditemukan 7 kontainer di tanjung priok",
    "tinta pemilu mengandung babi, jangan mau dicelup jarinya!! viralkan",
    "algoritma sirekap sengaja menggelembungkan suara {p} di semua tps, ini bukan hoax",
    "warga negara asing china masuk DPT dan dapat KTP elektronik, sebarkan sebelum dihapus",
    "nik kamu bisa dipakai orang lain buat nyoblos {p}, cek dpt skrg juga, media tidak berani memberitakan",
    "boleh coblos dua kali kalau punya KTP lama dan KTP baru, kata petugas KPPS",
    "orang gila dikerahkan buat nyoblos {p} di tps, sudah terbukti kata grup",
    "kpu sudah menetapkan {p} sebagai pemenang sebelum hari pencoblosan, bocoran A1",
    "pemilih yang tidak bawa undangan C6 tidak boleh memilih sama sekali, teruskan ke keluarga",
    "{p} akan menghapus pelajaran agama di sekolah kalau menang, copas dari grup wa",
    "data dpt bocor dan dijual, semua pemilih {p} dicoret diam-diam dari sidalih",
    "tps di sekadau dipindah ke hutan supaya pemilih {p} tidak bisa datang, sebarkan",
    "sirekap error sengaja biar suara {p} naik jutaan dalam semalam!!",
    "petugas kpps dibayar 5 juta untuk mencoblos sisa surat suara buat {p}",
]
NOT_HOAX = [
    "[HOAKS] server sirekap ada di singapura. Faktanya server KPU berada di Indonesia, kata KPU RI",
    "Cek fakta: klaim 7 kontainer surat suara sudah dicoblos adalah hoaks, sudah dibantah Bawaslu",
    "Klarifikasi KPU: tinta pemilu halal dan sudah bersertifikat MUI, jangan mudah percaya",
    "angka sirekap di TPS 07 terbaca 831 padahal di C hasil 31, sudah dilaporkan ke PPS kecamatan",
    "cara cek dpt online: buka cekdptonline.kpu.go.id lalu masukkan NIK, gampang kok",
    "min, saya pindah domisili ke Sanggau, apakah masih bisa pindah memilih? makasih",
    "pemilihan ketua OSIS di sekolah adik saya pakai kotak suara dan bilik dari kardus, seru",
    "pilkades desa kami besok, semoga lancar dan damai ya",
    "debat capres semalam {p} menjelaskan program pendidikan, menurutku cukup jelas",
    "saya dukung {p} karena programnya masuk akal buat petani sawit",
    "kampanye {p} di pontianak hari ini ramai, jalan macet dari pagi",
    "KPU Sekadau mengumumkan rekapitulasi tingkat kecamatan dimulai besok pagi",
    "Bawaslu mengingatkan masa tenang dimulai 11 Februari, tidak boleh ada kampanye",
    "TPS kami buka jam 7 pagi, antre sebentar saja, alhamdulillah lancar",
    "hasil quick count beberapa lembaga menunjukkan {p} unggul sementara, tunggu hasil resmi KPU",
]


def expand(template: str) -> list[tuple[str, str | None]]:
    if "{p}" not in template:
        return [(template, None)]
    return [
        (template.format(p=refs[i % len(refs)]), key) for key, refs in PAIR_REFS.items() for i in range(2)
    ]


def corpus() -> list[dict]:
    rows: list[dict] = []
    for label, templates in ((1, HOAX), (0, NOT_HOAX)):
        for t_index, template in enumerate(templates):
            for v_index, (text, pair) in enumerate(expand(template)):
                month = "2024-01" if (t_index + v_index) % 3 else "2024-02"
                rows.append(
                    {
                        "id": f"t-{label}-{t_index:02d}-{v_index}",
                        "text": text,
                        "label": label,
                        "kind": "hoax"
                        if label
                        else (
                            "debunk"
                            if t_index < 3
                            else "offtopic"
                            if 6 <= t_index <= 7
                            else "report"
                            if t_index == 3
                            else "opinion"
                        ),
                        "candidates": [pair] if pair else [],
                        "style": "social",
                        "date": f"{month}-{10 + (t_index % 15):02d}",
                    }
                )
    return rows


def write_corpus(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in corpus():
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


CLAIMS = [
    {
        "id": "kh-t01",
        "claim": "Server Sirekap KPU berada di Singapura dan suara diatur dari luar negeri.",
        "verdict": "hoaks",
        "date": "2024-02-16",
        "source_url": "https://www.kpu.go.id/",
    },
    {
        "id": "kh-t02",
        "claim": "Tujuh kontainer surat suara yang sudah dicoblos ditemukan di Tanjung Priok.",
        "verdict": "hoaks",
        "date": "2019-01-03",
        "source_url": "https://www.bawaslu.go.id/",
    },
    {
        "id": "kh-t03",
        "claim": "Tinta pemilu mengandung babi sehingga haram dipakai.",
        "verdict": "salah",
        "date": "2019-04-10",
        "source_url": "https://turnbackhoax.id/",
    },
]


def write_claims(path: Path) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for row in CLAIMS:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    return path


def known_claims() -> list:
    from monitor.classify.base import KnownClaim

    return [KnownClaim(c["id"], c["claim"], c["verdict"], c["source_url"], c["date"]) for c in CLAIMS]


def train_tiny(folder: Path, version: str = "tiny-1", **kwargs) -> Path:
    """Fit the classifier on the small corpus (about a second) and save it as a model folder."""
    from monitor.classify.model import HoaxClassifier

    rows = corpus()
    model = HoaxClassifier(
        REPO / "config" / "keywords.yml", version=version, claims=known_claims(), min_df=1, **kwargs
    )
    model.fit([r["text"] for r in rows], [r["label"] for r in rows])
    model.save(folder, {"metrics": {"social": {"f1": 0.5}}})
    return folder


REPO = Path(__file__).resolve().parent.parent


def project_home(tmp_path: Path, database_url: str, **paths: str):
    """Settings of a project home of its own in `tmp_path`: the tiny seed corpus and claims, the repository's
    keywords, `paths` overriding more of `[paths]`."""
    from monitor.config import load_settings

    (tmp_path / "data" / "seed").mkdir(parents=True)
    write_corpus(tmp_path / "data" / "seed" / "posts.jsonl")
    write_claims(tmp_path / "data" / "known_hoaxes.jsonl")
    return load_settings(
        REPO / "config" / "monitor.toml",
        database_url=database_url,
        home=tmp_path,
        paths={"keywords_file": str(REPO / "config" / "keywords.yml"), **paths},
    )

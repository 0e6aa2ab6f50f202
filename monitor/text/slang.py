"""Informal Indonesian spellings seen in social posts, mapped to their standard form.

Only unambiguous abbreviations belong here. Election acronyms are deliberately absent: "dpt" is the voter roll
(Daftar Pemilih Tetap), not "dapat", and "pps"/"tps"/"kpu" stay as written. Short forms that are also common
titles or names ("dr", "pd") are left out because expanding them would change the meaning of some posts.
"""

from __future__ import annotations

SLANG: dict[str, str] = {
    # negation
    "gak": "tidak",
    "ga": "tidak",
    "gk": "tidak",
    "ngga": "tidak",
    "nggak": "tidak",
    "ngak": "tidak",
    "engga": "tidak",
    "enggak": "tidak",
    "kagak": "tidak",
    "tdk": "tidak",
    "tak": "tidak",
    "bkn": "bukan",
    "blm": "belum",
    "blum": "belum",
    "jgn": "jangan",
    # aspect
    "sdh": "sudah",
    "udh": "sudah",
    "udah": "sudah",
    "dah": "sudah",
    "sdah": "sudah",
    "lg": "lagi",
    "msh": "masih",
    "masi": "masih",
    "skrg": "sekarang",
    "skrng": "sekarang",
    "sblm": "sebelum",
    "stlh": "setelah",
    "hrs": "harus",
    "bs": "bisa",
    "bsa": "bisa",
    # function words
    "yg": "yang",
    "krn": "karena",
    "karna": "karena",
    "krna": "karena",
    "dgn": "dengan",
    "dg": "dengan",
    "utk": "untuk",
    "tuk": "untuk",
    "dlm": "dalam",
    "spt": "seperti",
    "kyk": "kayak",
    "sbg": "sebagai",
    "thd": "terhadap",
    "tsb": "tersebut",
    "jd": "jadi",
    "tp": "tapi",
    "tpi": "tapi",
    "sm": "sama",
    "ato": "atau",
    "atw": "atau",
    "kalo": "kalau",
    "klo": "kalau",
    "kl": "kalau",
    "aja": "saja",
    "aj": "saja",
    "emg": "memang",
    "emang": "memang",
    "trs": "terus",
    "bgt": "banget",
    "bngt": "banget",
    "byk": "banyak",
    "bnyk": "banyak",
    "sdikit": "sedikit",
    # question words
    "gmn": "bagaimana",
    "gimana": "bagaimana",
    "knp": "kenapa",
    "napa": "kenapa",
    "kpn": "kapan",
    "dmn": "di mana",
    "gpp": "tidak apa apa",
    # people and verbs
    "org": "orang",
    "sy": "saya",
    "sya": "saya",
    "mrk": "mereka",
    "liat": "lihat",
    "tau": "tahu",
    "pake": "pakai",
    "ngasih": "memberi",
    "dapet": "dapat",
    "dpet": "dapat",
    "kasi": "kasih",
    "trus": "terus",
}

# Words whose standard spelling has a doubled letter. An elongated form such as "maaaaf" collapses to one
# letter ("maf") by default; when the doubled variant is one of these words, it is used instead.
DOUBLE_LETTER_WORDS: frozenset[str] = frozenset(
    {
        # everyday words
        "maaf",
        "saat",
        "taat",
        "manfaat",
        "tinggi",
        "tunggu",
        "pelanggaran",
        "ngga",
        "nggak",
        "good",
        # religious expressions
        "allah",
        "insyaallah",
        "masyaallah",
        "alhamdulillah",
        "subhanallah",
        "astaghfirullah",
        "sunnah",
        "jannah",
        # election acronyms with a doubled letter ("kppps" is a typo of "kpps", not "kps")
        "kpps",
        "pps",
        "dkpp",
    }
)

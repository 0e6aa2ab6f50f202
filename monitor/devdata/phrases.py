"""Phrase pools for the synthetic demo stream (`monitor.devdata.stream`), written for the demo only.

These sentences are deliberately different from the seed corpus in `data/seed/` so that a model trained on
the seed corpus is never scored on its own training text when the demo stream is used for evaluation or
benchmarks.
Slots: {cap} {cawa} {pair} {no} {tim} (candidate pair), {kab} {kec} {desa} {tps} {n} {emo} (local colour;
place names come from `monitor.devdata.places`).
"""

from __future__ import annotations

PAIRS = (
    {"cap": "Anies", "cawa": "Cak Imin", "pair": "AMIN", "no": "01", "tim": "Timnas AMIN"},
    {"cap": "Prabowo", "cawa": "Gibran", "pair": "Prabowo-Gibran", "no": "02", "tim": "TKN"},
    {"cap": "Ganjar", "cawa": "Mahfud", "pair": "Ganjar-Mahfud", "no": "03", "tim": "TPN"},
)
EMO = ("😡", "🙏", "‼️", "😱", "👇", "🤔", "😤", "🔥", "📢", "😭", "🙄", "")

# Hoax narratives: (key, topics, candidate-specific, peak "YYYY-MM-DD", spread in days, weight,
#                   short claim used by debunks, paraphrases)
NARRATIVES = (
    (
        "dpt-nik-dicuri",
        ("sidalih",),
        False,
        "2024-01-12",
        9,
        1.0,
        "NIK warga dipakai orang lain di DPT untuk mencoblos",
        (
            "Tolong cek NIK kalian, punya adik sy ternyata terdaftar di TPS {kab} padahal gak pernah "
            "tinggal di sana {emo}",
            "NIK kita diperjualbelikan buat isi DPT siluman. Punya sy muncul di dua TPS sekaligus {emo}",
            "warga {desa} banyak yg NIK-nya nyangkut di DPT kabupaten lain, ini sindikat, jangan diam",
            "Siapa yg pakai NIK sy di DPT {kab}?? Sy gak pernah pindah. Jelas ada yg main {emo}",
        ),
    ),
    (
        "dpt-hantu",
        ("sidalih",),
        False,
        "2023-12-05",
        14,
        0.8,
        "DPT penuh pemilih hantu yang disiapkan untuk dicoblos petugas",
        (
            "Di DPT TPS {tps} ada puluhan nama yg gak dikenal warga. Pemilih hantu disiapkan {emo}",
            "DPT {kab} membengkak ribuan nama gaib, nanti petugas yg nyoblos atas nama mereka",
            "pemilih hantu di DPT itu bukan salah input, itu stok suara. percaya deh {emo}",
        ),
    ),
    (
        "cekdpt-phishing",
        ("sidalih",),
        False,
        "2024-01-25",
        7,
        0.7,
        "cek DPT harus lewat tautan yang meminta PIN ATM atau OTP",
        (
            "Verifikasi hak pilih sekarang lewat tautan ini, masukkan NIK dan PIN ATM agar tidak "
            "dicoret {emo}",
            "Hak pilih kalian diblokir kalau belum verifikasi OTP lewat link KPU terbaru. Batas besok!",
            "Pesan resmi: pemilih wajib update data lewat link, siapkan nomor kartu ATM {emo}",
        ),
    ),
    (
        "tinta-najis",
        ("procedure",),
        False,
        "2024-02-10",
        5,
        0.8,
        "tinta pemilu najis dan mengandung bahan babi",
        (
            "Tinta di TPS itu najis, bahannya dari babi. Jangan celup jari kalau mau sholatnya sah {emo}",
            "Info dari pengajian: tinta pemilu belum halal, ada unsur babinya. Tolak dicelup!",
            "ustadz kampung bilang tinta pemilu bikin wudhu batal 7 hari {emo}",
        ),
    ),
    (
        "coblos-dua",
        ("procedure",),
        False,
        "2024-02-13",
        3,
        0.7,
        "mencoblos dua pasangan calon sekaligus tetap sah",
        (
            "Besok coblos aja dua paslon sekaligus, tetap sah kok, biar adil {emo}",
            "Kata petugas, surat suara yg dicoblos 2 paslon dibagi dua suaranya. Sah!",
            "Coblos semua paslon juga sah, suaranya dibagi rata, KPPS sendiri yg bilang",
        ),
    ),
    (
        "tps-tutup-pagi",
        ("procedure",),
        False,
        "2024-02-13",
        2,
        0.5,
        "TPS ditutup pukul 10 atau 11 pagi",
        (
            "TPS di {kec} tutup jam 10 pagi besok, yg telat gak dilayani {emo}",
            "Ingat! Jam 11 TPS udah tutup, datang pagi2 sekali ya bapak ibu",
            "Besok TPS cuma buka sampai jam 10, ada surat edaran dari kecamatan",
        ),
    ),
    (
        "surat-suara-tercoblos",
        ("procedure",),
        True,
        "2024-02-12",
        4,
        1.0,
        "surat suara sudah tercoblos untuk paslon tertentu sebelum hari pemungutan",
        (
            "Ditemukan berkarung surat suara sudah tercoblos {no} di gudang {kab}! {emo}",
            "Video: petugas nyimpan surat suara yg udh dicoblos {pair}, disiapin buat besok",
            "Surat suara tercoblos {no} ketahuan dibawa pakai truk ke {kec} malam ini {emo}",
            "satu kotak penuh surat suara buat {pair} udah dicoblos duluan, sy liat sendiri",
        ),
    ),
    (
        "sirekap-gelembung",
        ("sirekap",),
        True,
        "2024-02-18",
        6,
        1.4,
        "Sirekap sengaja menggelembungkan suara paslon tertentu",
        (
            "Sirekap nambahin suara {pair} di TPS {tps}, dari 40 jadi 400. Sengaja! {emo}",
            "Cek sendiri Sirekap, suara {no} digelembungkan di mana-mana. Sistemnya diatur",
            "Algoritma Sirekap diprogram menangkan {pair}, ahli IT udh buktiin {emo}",
            "TPS {tps} {desa}: suara {no} di Sirekap 10x lipat dari plano. Bukan salah baca, itu sistem",
        ),
    ),
    (
        "sirekap-server-asing",
        ("sirekap",),
        False,
        "2024-02-21",
        8,
        0.9,
        "server Sirekap di luar negeri mengendalikan hasil pemilu",
        (
            "Server Sirekap ada di luar negeri, hasil pemilu kita dipegang asing {emo}",
            "Data suara kita disimpan di server negara lain, siapa yg jamin gak diubah?",
            "Pakar bilang server rekap KPU di luar negeri, pemilu ini gak berdaulat {emo}",
        ),
    ),
    (
        "sirekap-final",
        ("sirekap",),
        False,
        "2024-02-24",
        7,
        0.7,
        "angka Sirekap adalah hasil akhir yang tidak bisa dikoreksi",
        (
            "Angka di Sirekap itu final, gak bisa dikoreksi lagi walau salah. Tamat {emo}",
            "Yg salah di Sirekap otomatis jadi hasil resmi, rekap manual cuma formalitas",
            "Ngapain pleno? Sirekap udah final. Saksi dibohongi {emo}",
        ),
    ),
    (
        "rekap-berhenti",
        ("sirekap",),
        False,
        "2024-03-06",
        5,
        0.8,
        "KPU menghentikan rekapitulasi suara",
        (
            "KPU hentikan rekapitulasi! Pemilu kacau, tunggu diulang {emo}",
            "Rekap suara nasional dihentikan, grafik hilang, semua angka dibekukan",
            "Berita terbaru: proses rekap di semua kecamatan disetop KPU pusat {emo}",
        ),
    ),
    (
        "paslon-diskualifikasi",
        (),
        True,
        "2024-01-18",
        10,
        1.0,
        "KPU mendiskualifikasi pasangan calon",
        (
            "Kabar terbaru {pair} didiskualifikasi KPU, surat keputusannya beredar {emo}",
            "{cap} resmi dicoret dari pilpres! Di TPS nanti cuma dua paslon",
            "SK diskualifikasi paslon {no} sudah ditandatangani tadi malam {emo}",
        ),
    ),
    (
        "paslon-sakit",
        (),
        True,
        "2023-12-20",
        12,
        0.7,
        "capres dikabarkan sakit keras atau meninggal",
        (
            "Kabar duka, {cap} dirawat di ICU sejak semalam, tim kampanye tutupi {emo}",
            "{cap} pingsan di panggung dan sekarang kritis, doakan saja",
            "Foto {cap} terbaring di RS viral, katanya sakit parah {emo}",
        ),
    ),
    (
        "bansos-wajib",
        (),
        True,
        "2024-01-30",
        10,
        0.8,
        "penerima bansos wajib memilih paslon tertentu",
        (
            "Penerima PKH wajib pilih {no}, kalau tidak bantuan distop bulan depan {emo}",
            "Pendamping bansos bilang data pemilih dicocokkan, yg gak pilih {pair} dicoret",
            "Yg dapat bansos harus setor foto coblosan {no}, ini perintah dari atas",
        ),
    ),
    (
        "pemilu-ditunda",
        ("procedure",),
        False,
        "2023-11-15",
        15,
        0.5,
        "pemilu ditunda",
        (
            "Pemilu 2024 batal digelar Februari, ditunda sampai ada keputusan baru {emo}",
            "Beredar keputusan penundaan pemilu, pencoblosan mundur berbulan-bulan",
            "Pemilu mundur ke tahun depan, anggaran katanya gak cukup {emo}",
        ),
    ),
)

FORWARD_HEADS = (
    "Diteruskan berkali-kali\n",
    "Info grup sebelah 👇\n",
    "copas dari grup keluarga\n",
    "Dari grup RT:\n",
    "fwd: ",
    "PENTING!! ",
    "",
)
FORWARD_TAILS = (" SEBARKAN!!", " 🙏🙏", " tolong share", " (copas)", "", " viralkan!!")

DEBUNKS = (
    "[HOAKS] Beredar klaim bahwa {claim}. Faktanya KPU sudah membantah, cek kanal resmi sebelum membagikan.",
    "Cek fakta: klaim {claim} tidak benar. Mohon tidak diteruskan ke grup lain {emo}",
    "Klarifikasi KPU Kab. {kab}: informasi bahwa {claim} adalah tidak benar.",
    "Luruskan ya bapak ibu, yang bilang {claim} itu hoaks. Sudah dijelaskan Bawaslu.",
    "[SALAH] Narasi {claim}. Penjelasan lengkap ada di kanal cek fakta.",
    "Jangan percaya pesan berantai yang bilang {claim}. Itu sudah dibantah {emo}",
)
NEWS = (
    "KPU {kab} Gelar Rapat Pleno Rekapitulasi Suara Tingkat Kabupaten",
    "Distribusi Logistik Pemilu ke Pedalaman {kab} Gunakan Longboat",
    "Bawaslu {kab} Terima Laporan Dugaan Politik Uang di {kec}",
    "Partisipasi Pemilih di {kab} Lampaui Target Nasional",
    "Saksi Paslon {no} Ajukan Keberatan di Pleno PPK {kec}",
    "{cap} Berkampanye di {kab}, Janjikan Perbaikan Jalan Desa",
    "Petugas KPPS di {kec} Dirawat Usai Menghitung Suara Semalaman",
    "PPK {kec} Koreksi Data Sirekap Sesuai Formulir C Hasil",
    "Polres {kab} Siagakan Personel di TPS Rawan",
    "Pemungutan Suara Ulang Digelar di TPS {tps} {desa}",
    "Cawapres {cawa} Dialog dengan Petani Sawit di {kab}",
    "KPU Umumkan Hasil Rekapitulasi Nasional Pilpres 2024",
    "Bawaslu Tertibkan Baliho Kampanye di Jalan Protokol {kab}",
    "Relawan {pair} di {kab} Deklarasi Kampanye Damai",
    "Warga Perbatasan {kab} Antusias Datangi TPS",
)
OFFICIAL = (
    "Pemilih yang belum terdaftar dapat menggunakan KTP-el di TPS sesuai alamat pada pukul "
    "12.00-13.00. #KPU{kab}",
    "KPU Kab. {kab} mengundang saksi dan pemantau hadir pada rapat pleno rekapitulasi besok pukul 09.00 WIB.",
    "Bawaslu {kab} membuka posko pengaduan pelanggaran pemilu di setiap kecamatan. Laporkan dengan bukti.",
    "Hasil resmi ditetapkan lewat rekapitulasi berjenjang. Sirekap adalah alat bantu publikasi.",
    "Cek status pemilih Anda di cekdptonline.kpu.go.id cukup dengan NIK. Waspadai tautan palsu.",
    "Masa tenang 11-13 Februari: seluruh kegiatan kampanye dilarang, termasuk di media sosial.",
    "TPS dibuka 07.00-13.00 waktu setempat. Bawa KTP-el. Pemilih lansia dan disabilitas didahulukan.",
    "Polres {kab} mengimbau warga menyaring informasi pemilu dan melapor bila menemukan provokasi.",
    "PPK {kec} melaksanakan rekapitulasi tingkat kecamatan, terbuka bagi masyarakat.",
    "Tinta pemilu telah bersertifikat halal. KPU mengajak pemilih tidak ragu mencelupkan jari.",
)
QUESTIONS = (
    "Numpang tanya, TPS {tps} di {desa} lokasinya pindah ke mana ya?",
    "Kalau KTP hilang, bisa nyoblos pakai apa ya? mohon info {emo}",
    "Ada yg tau kapan pleno di {kec}? mau ikut nonton",
    "Sirekap TPS sy kok belum ada fotonya, normal gak?",
    "Boleh tanya, pemilih yg kerja di kebun sawit nyoblosnya di mana?",
    "Debat capres berikutnya tanggal berapa? jam berapa?",
    "gimana cara lapor kalau ada yg bagi2 amplop dekat rumah?",
    "Kalau di Sirekap beda sama plano, lapor ke siapa ya?",
    "Pesan yang bilang {claim} itu benar gak sih? {emo}",
    "Visi misi {pair} soal pertanian ada yg punya link lengkapnya?",
    "Yg jadi KPPS honornya berapa sih tahun ini?",
    "Pindah memilih masih bisa gak? sy di {kab} tapi KTP luar",
)
REPORTS = (
    "Laporan dari TPS {tps} {desa}: kotak suara tiba jam 6 pagi, segel utuh, disaksikan saksi.",
    "TPS {tps} di {kec} sempat kekurangan surat suara DPD, sudah ditambah dari PPS.",
    "Angka Sirekap TPS {tps} terbaca 7{n}{n}, di plano {n}{n}. Sudah dilaporkan ke PPK untuk dikoreksi.",
    "Penghitungan di TPS {tps} selesai jam 1 malam, lancar, salinan C hasil dibagi ke semua saksi.",
    "Ada warga pingsan antre di TPS {tps}, langsung ditangani bidan desa {emo}",
    "Di TPS {tps} {desa} listrik padam saat menghitung, lanjut pakai genset.",
    "Sy saksi di TPS {tps}, hasil plano dan Sirekap cocok semua 👍",
    "Lapor Panwascam {kec}: ada baliho {pair} belum dicopot saat masa tenang.",
)
OPINIONS = (
    "Apapun pilihanmu, jangan lupa datang ke TPS. Sekadau damai {emo}",
    "Sy dukung {pair} karena programnya masuk akal buat daerah hulu.",
    "Debat semalam {cap} lumayan, tapi masih kurang bahas perbatasan.",
    "Kampanye {tim} di {kab} tertib, salut sama relawannya.",
    "Belum yakin mau pilih siapa, masih baca-baca program {pair} dan yang lain.",
    "Kerja KPPS berat sekali, semoga honornya naik pemilu depan {emo}",
    "Jangan gampang share pesan berantai soal pemilu, cek dulu sumbernya.",
    "Salut sama PPK {kec}, pleno transparan dan semua saksi puas.",
    "Pendukung {no} jangan terpancing kalau diejek, tetap santun.",
    "Harusnya Sirekap dijelaskan lebih awal, biar warga gak panik lihat angka salah.",
)
OFFTOPIC = (
    "Hujan deras dari subuh, air Sungai Sekadau naik lagi {emo}",
    "Harga karet hari ini di {kab} turun, sedih petani",
    "Siapa yang mau ikut gotong royong bersihkan parit hari Minggu?",
    "Durian Sekadau lagi musim, 3 biji 50rb di pasar {emo}",
    "Jalan ke {kec} berlubang parah, motor sy hampir jatuh",
    "Anak sy juara lomba mewarnai tingkat kecamatan 🥹",
    "Lowongan: butuh tukang kayu untuk bangun rumah panggung di {desa}",
    "Jadwal speedboat ke hulu besok ditunda karena kabut asap",
    "Ada yang jual bibit lada unggul di sekitar {kab}?",
    "Nonton bola bareng di warung kopi simpang, yang mau gabung merapat ⚽",
    "Kue lapis legit buatan ibu laris manis buat Imlek {emo}",
    "Selamat Hari Natal bagi saudara-saudara yang merayakan 🎄",
    "Besok pemadaman listrik bergilir di {kec} jam 8 sampai 12",
    "Resep bubur pedas paling enak versi nenek sy, mantap buat cuaca dingin",
    "Gawai tahun ini meriah sekali, tarian adatnya bikin merinding",
    "Pemilihan ketua OSIS di sekolah adik sy seru banget, calonnya 3 orang",
    "Baru pulang dari ladang, capek tapi panen padi lumayan {emo}",
    "Ada yang tahu bengkel motor buka hari Minggu di {kab}?",
)

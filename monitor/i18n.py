"""Every string the dashboard shows, in Bahasa Indonesia first and English second.

`t("key", lang)` looks a string up; `{name}` placeholders are filled from keyword arguments. A missing key
is a programming error and raises KeyError, so a typo never shows an officer a bare key.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"

TEXT: dict[str, tuple[str, str]] = {
    # app frame
    "app.title": ("Pemantau Hoaks Pemilu", "Election Hoax Monitor"),
    "app.language": ("Bahasa", "Language"),
    "app.logged_in_as": ("Masuk sebagai {user} ({role})", "Logged in as {user} ({role})"),
    "app.logout": ("Keluar", "Log out"),
    "app.session_expired": (
        "Sesi Anda berakhir karena tidak aktif. Silakan masuk lagi.",
        "Your session expired after inactivity. Please log in again.",
    ),
    "app.account_gone": (
        "Akun Anda dinonaktifkan atau dihapus. Silakan hubungi admin.",
        "Your account was disabled or removed. Please contact the admin.",
    ),
    "app.no_database": (
        "Basis data belum siap: {error}. Jalankan `monitor init`.",
        "The database is not ready: {error}. Run `monitor init`.",
    ),
    "app.times_in": ("Waktu dalam {tz}", "Times in {tz}"),
    # login
    "login.title": ("Masuk", "Log in"),
    "login.username": ("Nama pengguna", "Username"),
    "login.password": ("Kata sandi", "Password"),
    "login.submit": ("Masuk", "Log in"),
    "login.failed": ("Nama pengguna atau kata sandi salah.", "Wrong username or password."),
    "login.disabled": ("Akun ini dinonaktifkan.", "This account is disabled."),
    "login.required": ("Silakan masuk terlebih dahulu.", "Please log in first."),
    "login.locked": (
        "Terlalu banyak percobaan gagal. Akun dikunci sementara sampai {until}.",
        "Too many failed attempts. The account is locked until {until}.",
    ),
    "app.demo_banner": (
        "Peringatan: akun demo dengan kata sandi yang dipublikasikan masih aktif ({users}). "
        "Ganti kata sandinya atau nonaktifkan akun tersebut sebelum dipakai sungguhan.",
        "Warning: demo accounts with published passwords are still enabled ({users}). "
        "Change their passwords or disable them before real use.",
    ),
    "app.error": (
        "Halaman ini gagal dimuat ({kind}). Kejadian ini sudah dicatat di log server; coba muat ulang.",
        "This page failed to load ({kind}). It was written to the server log; try reloading.",
    ),
    "inbox.button": ("Untuk saya ({count})", "For me ({count})"),
    "inbox.title": ("Untuk saya", "For me"),
    "inbox.all": ("Semua antrian", "Whole queue"),
    "inbox.help.kpu": ("Temuan baru yang dipegang KPU.", "New flags held by KPU."),
    "inbox.help.admin": ("Temuan baru yang dipegang KPU.", "New flags held by KPU."),
    "inbox.help.bawaslu": ("Item yang dieskalasi ke Bawaslu.", "Items escalated to Bawaslu."),
    "inbox.help.polri": ("Item yang dieskalasi ke Polri.", "Items escalated to the Police."),
    "inbox.help.analyst": (
        "Item yang belum berlabel hoaks / bukan hoaks.",
        "Items without a hoax / not-a-hoax label yet.",
    ),
    # account
    "page.account": ("Akun", "Account"),
    "account.title": ("Akun saya", "My account"),
    "account.change": ("Ganti kata sandi", "Change password"),
    "account.old": ("Kata sandi lama", "Current password"),
    "account.new": ("Kata sandi baru", "New password"),
    "account.repeat": ("Ulangi kata sandi baru", "Repeat the new password"),
    "account.mismatch": ("Kedua kata sandi baru tidak sama.", "The two new passwords differ."),
    "account.rules": (
        "Minimal {n} karakter, bukan nama pengguna, minimal 4 karakter berbeda.",
        "At least {n} characters, not the username, at least 4 different characters.",
    ),
    "account.changed": (
        "Kata sandi diganti. Semua sesi Anda diakhiri; silakan masuk lagi.",
        "Password changed. All your sessions ended; please log in again.",
    ),
    "account.failed": ("Gagal: {error}", "Failed: {error}"),
    "account.reset": ("Atur ulang kata sandi pengguna", "Reset a user's password"),
    "account.reset_user": ("Pengguna", "User"),
    "account.reset_done": (
        "Kata sandi {user} diatur ulang; sesi mereka diakhiri.",
        "Password of {user} reset; their sessions ended.",
    ),
    "account.users": ("Pengguna", "Users"),
    # roles
    "role.admin": ("Admin", "Admin"),
    "role.analyst": ("Analis", "Analyst"),
    "role.kpu": ("KPU", "KPU"),
    "role.bawaslu": ("Bawaslu", "Bawaslu"),
    "role.polri": ("Polri", "Police"),
    # pages
    "page.queue": ("Antrian", "Queue"),
    "page.trends": ("Tren", "Trends"),
    "page.report": ("Laporan", "Report"),
    "page.model": ("Model", "Model"),
    "page.narratives": ("Narasi", "Narratives"),
    "page.sources": ("Sumber", "Sources"),
    "page.audit": ("Audit", "Audit"),
    "page.forbidden": (
        "Anda tidak berwenang membuka halaman ini.",
        "You are not allowed to open this page.",
    ),
    # statuses
    "status.new": ("Baru", "New"),
    "status.decided": ("Sudah diputus", "Decided"),
    "status.in_review": ("Sedang ditinjau", "In review"),
    "status.needs_check": ("Perlu dicek", "Needs checking"),
    "status.hoax": ("Hoaks", "Hoax"),
    "status.not_hoax": ("Bukan hoaks", "Not a hoax"),
    "status.escalated": ("Dieskalasi", "Escalated"),
    "item.case": (
        "Tahap: {status} · Putusan: {verdict} · Pelanggaran pemilu: {violation} · Dipegang: {holder} · "
        "Rantai eskalasi: {chain} · Petugas: {assigned} · Versi {version}",
        "Stage: {status} · Verdict: {verdict} · Election violation: {violation} · Held by: {holder} · "
        "Escalation chain: {chain} · Officer: {assigned} · Version {version}",
    ),
    "item.follow_ups": ("Tindak lanjut per lembaga", "Follow-up per agency"),
    "item.follow_ups_none": ("Belum ada tindak lanjut tercatat.", "No follow-up recorded yet."),
    "item.narrative_hidden": (
        "Narasi #{id} (labelnya memuat teks unggahan yang tidak dapat Anda lihat)",
        "Narrative #{id} (its label quotes a post you may not see)",
    ),
    "event.auth.login": ("Masuk", "Logged in"),
    "event.auth.failed": ("Kata sandi salah", "Wrong password"),
    "event.auth.locked": ("Akun dikunci sementara", "Account locked"),
    "event.auth.refused_locked": ("Ditolak: akun terkunci", "Refused: account locked"),
    "event.auth.refused_disabled": ("Ditolak: akun nonaktif", "Refused: account disabled"),
    "event.user.add": ("Pengguna ditambahkan", "User added"),
    "event.user.disable": ("Pengguna dinonaktifkan", "User disabled"),
    "event.user.enable": ("Pengguna diaktifkan", "User enabled"),
    "event.user.password_change": ("Kata sandi diganti", "Password changed"),
    "event.user.password_change_refused": ("Ganti kata sandi ditolak", "Password change refused"),
    "event.user.password_reset": ("Kata sandi diatur ulang", "Password reset"),
    "event.narrative": ("Narasi: {action}", "Narrative: {action}"),
    "event.narrative_merge": ("Narasi digabungkan", "Narratives merged"),
    "event.narrative_split": ("Narasi dipisahkan", "Narrative split"),
    "change.status": ("Tahap", "Stage"),
    "change.verdict": ("Putusan", "Verdict"),
    "change.violation": ("Pelanggaran", "Violation"),
    "change.holder": ("Dipegang", "Held by"),
    "change.assigned_to": ("Petugas", "Officer"),
    "change.applied": ("Diterapkan", "Applied"),
    "change.skipped": ("Dilewati", "Skipped"),
    "common.yes": ("ya", "yes"),
    "common.invalid_date": ("(tanggal tidak valid)", "(invalid date)"),
    "trends.loading": ("Menghitung tren...", "Computing trends..."),
    "trends.decisions": (
        "Keputusan petugas (menurut tanggal keputusan)",
        "Officer decisions (by decision date)",
    ),
    "trends.decision_range": ("Rentang tanggal keputusan", "Decision date range"),
    "common.no": ("tidak", "no"),
    "status.violation": ("Pelanggaran pemilu", "Election violation"),
    "status.closed": ("Selesai", "Closed"),
    "status.none": ("-", "-"),
    # actions
    "action.take": ("Ambil", "Take"),
    "action.hoax": ("Hoaks", "Hoax"),
    "action.not_hoax": ("Bukan hoaks", "Not a hoax"),
    "action.needs_check": ("Perlu dicek", "Needs checking"),
    "action.escalate_bawaslu": ("Eskalasi ke Bawaslu", "Escalate to Bawaslu"),
    "action.escalate_polri": ("Eskalasi ke Polri", "Escalate to Police"),
    "action.violation": ("Pelanggaran pemilu", "Election violation"),
    "action.clarify": ("Terbitkan klarifikasi", "Publish clarification"),
    "action.follow_up": ("Catat tindak lanjut", "Record follow-up"),
    "action.close": ("Tutup", "Close"),
    "action.done": ("Tersimpan: {action} untuk item #{post}.", "Saved: {action} on item #{post}."),
    "action.denied": ("Anda tidak berwenang: {detail}", "Not allowed: {detail}"),
    "action.conflict": (
        "Item #{post} sudah diubah oleh {who} (status sekarang: {status}). Periksa lagi lalu putuskan ulang.",
        "Item #{post} was changed by {who} (now: {status}). Review it and decide again.",
    ),
    "action.invalid": ("Tindakan tidak dapat dilakukan: {detail}", "The action cannot be applied: {detail}"),
    "action.note": (
        "Catatan (wajib untuk klarifikasi dan tindak lanjut)",
        "Note (required for clarification and follow-up)",
    ),
    "action.not_allowed_help": ("Peran Anda tidak berwenang", "Your role may not do this"),
    "action.narrative": ("Terapkan ke seluruh narasi", "Apply to the whole narrative"),
    "action.narrative_done": (
        "Diterapkan ke {applied} item narasi; {skipped} dilewati.",
        "Applied to {applied} items of the narrative; {skipped} skipped.",
    ),
    "action.someone": ("petugas lain", "another officer"),
    # queue
    "queue.title": ("Antrian triase", "Triage queue"),
    "queue.polri_scope": (
        "Anda melihat item yang dieskalasi ke Polri.",
        "You see the items escalated to the Police.",
    ),
    "queue.filters": ("Saring", "Filters"),
    "queue.status": ("Status", "Status"),
    "queue.topic": ("Topik", "Topic"),
    "queue.candidate": ("Pasangan calon", "Candidate pair"),
    "queue.platform": ("Platform", "Platform"),
    "queue.source": ("Sumber", "Source"),
    "queue.dates": ("Tanggal unggahan", "Posted between"),
    "queue.all": ("(semua)", "(all)"),
    "queue.narrative_filter": (
        "Hanya unggahan narasi #{id} (dari tautan peringatan).",
        "Only posts of narrative #{id} (from an alert link).",
    ),
    "queue.narrative_filter_clear": ("Tampilkan semua narasi", "Show all narratives"),
    "queue.open": ("(terbuka)", "(open)"),
    "queue.page": ("Halaman", "Page"),
    "queue.summary": (
        "{total} item · halaman {page} dari {pages}",
        "{total} items · page {page} of {pages}",
    ),
    "queue.summary_open": ("Halaman {page} · {more}", "Page {page} · {more}"),
    "queue.more": ("ada halaman berikutnya", "more pages follow"),
    "queue.last": ("halaman terakhir", "last page"),
    "queue.empty": ("Tidak ada item yang cocok.", "No matching items."),
    "queue.select": ("Pilih item", "Choose an item"),
    "queue.col.id": ("ID", "ID"),
    "queue.col.score": ("Skor", "Score"),
    "queue.col.reach": ("Jangkauan", "Reach"),
    "queue.col.priority": ("Prioritas", "Priority"),
    "queue.col.status": ("Status", "Status"),
    "queue.col.platform": ("Platform", "Platform"),
    "queue.col.time": ("Waktu (WIB)", "Time (WIB)"),
    "queue.col.author": ("Akun", "Account"),
    "queue.col.text": ("Teks", "Text"),
    "queue.col.assigned": ("Petugas", "Officer"),
    "queue.col.escalated": ("Eskalasi", "Escalated to"),
    "queue.col.verdict": ("Putusan", "Verdict"),
    "queue.col.holder": ("Dipegang", "Held by"),
    "queue.col.evidence": ("Bukti", "Evidence"),
    "queue.evidence.debunk": ("✓", "✓"),
    "queue.evidence.help": (
        "✓: cocok atau mirip dengan hoaks yang sudah dibantah (bukti terkuat; tampil lebih dulu di antrean). "
        "Kosong: ditandai dari kata-katanya saja.",
        "✓: matches or resembles a debunked hoax (the strongest evidence; listed first). "
        "Empty: flagged on its wording alone.",
    ),
    "queue.view": ("Tampilan", "View"),
    "queue.choose": ("Pilih status", "Choose statuses"),
    "queue.verdict": ("Putusan", "Verdict"),
    "queue.holder": ("Dipegang oleh", "Held by"),
    "queue.click_hint": (
        "Klik satu baris untuk membuka itemnya.",
        "Click a row to open its item.",
    ),
    "queue.next": ("Berikutnya →", "Next →"),
    "export.button": ("Ekspor", "Export"),
    "export.help": (
        "Seluruh tampilan ini (bukan hanya halaman ini), paling banyak {n} baris.",
        "This whole view (not only this page), at most {n} rows.",
    ),
    "export.prepare": ("Siapkan berkas", "Prepare files"),
    "export.ready": ("{n} baris siap diunduh.", "{n} rows ready to download."),
    # item
    "item.title": ("Item #{post}", "Item #{post}"),
    "item.text": ("Isi unggahan (ditampilkan sebagai teks biasa)", "Post text (shown as plain text)"),
    "item.link": ("Tautan", "Link"),
    "item.link_unsafe": ("Tautan tidak aman, tidak dibuka", "Unsafe link, not opened"),
    "item.author": ("Akun", "Account"),
    "item.followers": ("Pengikut", "Followers"),
    "item.engagement": ("Interaksi", "Engagement"),
    "item.likes": ("Suka", "Likes"),
    "item.shares": ("Bagikan", "Shares"),
    "item.replies": ("Balasan", "Replies"),
    "item.views": ("Dilihat", "Views"),
    "item.score": ("Skor hoaks", "Hoax score"),
    "item.reasons": ("Alasan", "Reasons"),
    "item.claim": ("Klaim hoaks yang cocok", "Matched known claim"),
    "item.claim_none": ("Tidak ada klaim yang cocok.", "No matched claim."),
    "item.narrative": ("Unggahan lain dalam narasi yang sama", "Other posts of the same narrative"),
    "item.narrative_none": ("Belum tergabung dalam narasi.", "Not part of a narrative yet."),
    "item.history": ("Riwayat tindakan", "Action history"),
    "item.state": (
        "Status: {status} · petugas: {assigned} · eskalasi: {escalated} · versi {version}",
        "Status: {status} · officer: {assigned} · escalated: {escalated} · version {version}",
    ),
    "item.actions": ("Tindakan", "Actions"),
    "item.not_found": (
        "Item tidak ditemukan atau tidak boleh Anda lihat.",
        "Item not found or not visible to you.",
    ),
    # trends
    "trends.title": ("Tren", "Trends"),
    "trends.range": ("Rentang tanggal", "Date range"),
    "trends.per_topic": ("Unggahan per hari menurut topik", "Posts per day by topic"),
    "trends.flagged_share": ("Porsi unggahan yang ditandai", "Share of posts flagged"),
    "trends.confirmed": ("Hoaks terkonfirmasi per hari", "Confirmed hoaxes per day"),
    "trends.narratives": ("Narasi teratas", "Top narratives"),
    "trends.platforms": ("Sebaran platform", "Platform split"),
    "trends.response": (
        "Waktu tanggap (jam dari ditandai sampai diputuskan)",
        "Response time (hours flagged → decided)",
    ),
    "trends.response_median": (
        "Median waktu tanggap: {hours} jam ({n} item)",
        "Median response: {hours} h ({n} items)",
    ),
    "trends.no_data": ("Belum ada data pada rentang ini.", "No data in this range yet."),
    "trends.day": ("Tanggal", "Day"),
    "trends.count": ("Jumlah", "Count"),
    "trends.share": ("Porsi", "Share"),
    "trends.topic": ("Topik", "Topic"),
    "trends.platform": ("Platform", "Platform"),
    "trends.flagged": ("Ditandai", "Flagged"),
    "trends.hours": ("Jam", "Hours"),
    "trends.narrative": ("Narasi", "Narrative"),
    "trends.posts": ("Unggahan", "Posts"),
    "trends.reach": ("Jangkauan", "Reach"),
    # report
    "report.title": ("Laporan mingguan", "Weekly report"),
    "report.week": ("Minggu", "Week"),
    "report.unavailable": (
        "Pembuat laporan belum tersedia pada instalasi ini.",
        "The report builder is not available in this installation yet.",
    ),
    "report.preview": ("Pratinjau", "Preview"),
    "report.download": ("Unduh PDF", "Download PDF"),
    "report.build": ("Buat laporan", "Build report"),
    "report.building": ("Menyusun laporan minggu ini...", "Building the week's report..."),
    "report.failed": ("Laporan gagal dibuat: {error}", "The report could not be built: {error}"),
    # model
    "model.title": ("Model klasifikasi", "Classifier model"),
    "model.active": ("Versi aktif", "Active version"),
    "model.none": ("Belum ada model aktif yang terdaftar.", "No active model is registered yet."),
    "model.card": ("Kartu model", "Model card"),
    "model.labels": ("Label dari keputusan petugas", "Labels from officers' decisions"),
    "model.evaluation": ("Laporan evaluasi", "Evaluation report"),
    "model.new_labels": (
        "{n} keputusan petugas (hoaks / bukan hoaks) dibuat sejak model aktif dilatih ({date}). Melatih "
        "ulang dengan keputusan ini mengurangi tanda palsu serupa dari sumber yang sama.",
        "{n} officers' decisions (hoax / not a hoax) were made since the active model was trained ({date}). "
        "Retraining with them reduces similar false flags from the same sources.",
    ),
    "model.real": ("Penilaian pada teks nyata", "Judged on real text"),
    "model.real_help": (
        "Data publik yang tidak pernah dipakai melatih model. FPR: bagian teks bukan hoaks yang ikut "
        "ditandai (makin kecil makin baik). Recall: bagian hoaks beredar yang tertangkap (makin besar "
        "makin baik). Baris relevan: yang menyebut pemilu, yaitu yang masuk antrean.",
        "Public data the model was never trained on. FPR: the share of non-hoax text flagged (lower is "
        "better). Recall: the share of circulated hoaxes caught (higher is better). Relevant rows: those "
        "that mention the election, i.e. what reaches the queue.",
    ),
    "model.suite.chatter": ("Obrolan pemilu di media sosial (FPR)", "Election chatter on social media (FPR)"),
    "model.suite.claims": ("Hoaks yang beredar (recall)", "Circulated hoaxes (recall)"),
    "model.suite.headlines": ("Judul berita (FPR)", "News headlines (FPR)"),
    "model.matching": (
        "Pencocokan debunk: judul cek fakta yang benar berada di urutan pertama untuk {recall} klaim nyata; "
        "salah cocok di atas ambang: {wrong}.",
        "Debunk matching: the right fact-check title comes first for {recall} of real claims; wrong "
        "matches above the threshold: {wrong}.",
    ),
    "model.versions": ("Semua versi", "All versions"),
    "model.retrain": ("Latih ulang", "Retrain"),
    "model.retrain_done": ("Model baru dilatih: {version}", "New model trained: {version}"),
    "model.recipe_real": (
        "Latih ulang memakai data publik nyata di {folder} beserta seed dan label petugas (beberapa menit).",
        "Retraining uses the real public sets in {folder} with the seed and the officers' labels (minutes).",
    ),
    "model.recipe_seed": (
        "Data publik nyata tidak ditemukan di {folder}: latih ulang hanya memakai seed dan label petugas. "
        "Model seperti itu tidak teruji pada teks nyata dan tidak akan menggantikan model aktif yang "
        "dilatih dengan data nyata.",
        "The real public sets are not in {folder}: retraining uses only the seed and the officers' labels. "
        "Such a model is not judged on real text and will not replace an active model trained on real text.",
    ),
    "model.promote": ("Jadikan aktif", "Promote"),
    "model.promote_done": ("Versi {version} sekarang aktif.", "Version {version} is now active."),
    "model.failed": ("Gagal: {error}", "Failed: {error}"),
    "model.training": ("Melatih model...", "Training the model..."),
    "model.stage.data": ("Membaca data", "Reading the data"),
    "model.stage.fitting": ("Melatih", "Fitting"),
    "model.stage.fitted": ("Mengevaluasi", "Evaluating"),
    "model.stage.evaluated": ("Menyimpan", "Saving"),
    "model.stage.saved": ("Mendaftarkan versi", "Registering the version"),
    "model.stage.registered": ("Terdaftar", "Registered"),
    "model.stage.done": ("Selesai", "Done"),
    "model.col.set": ("Data uji", "Test set"),
    "model.col.suite": ("Uji", "Suite"),
    "model.col.all_rows": ("Semua baris", "All rows"),
    "model.col.relevant_rows": ("Baris relevan", "Relevant rows"),
    "model.col.interval": ("Interval 95% (relevan)", "95% interval (relevant)"),
    "model.col.precision3": ("Presisi bila 3% hoaks", "Precision at 3% hoaxes"),
    "model.col.chatter_fpr": ("FPR obrolan", "Chatter FPR"),
    "model.col.claims_recall": ("Recall klaim", "Claims recall"),
    "model.col.headlines_fpr": ("FPR judul berita", "Headlines FPR"),
    "model.col.n": ("Jumlah", "Count"),
    "model.col.precision": ("Presisi", "Precision"),
    "model.col.recall": ("Recall", "Recall"),
    "model.col.f1": ("F1", "F1"),
    "model.col.version": ("Versi", "Version"),
    "model.col.threshold": ("Ambang", "Threshold"),
    "model.col.active": ("Aktif", "Active"),
    "model.col.created": ("Dibuat", "Created"),
    "model.col.promoted_by": ("Diaktifkan oleh", "Promoted by"),
    # sources
    "sources.title": ("Sumber dan kata kunci", "Sources and keywords"),
    "sources.health": ("Kesehatan pengumpul", "Collector health"),
    "sources.none": ("Belum ada sumber yang dikonfigurasi.", "No source is configured."),
    "sources.runs": ("Proses terakhir", "Recent runs"),
    "sources.keywords": ("Daftar kata kunci", "Keyword list"),
    "sources.keywords_missing": (
        "Berkas kata kunci tidak ditemukan atau tidak valid: {path}",
        "Keyword file not found: {path}",
    ),
    "sources.never": ("belum pernah", "never"),
    "sources.config_error": ("Berkas sumber tidak valid: {error}", "The sources file is invalid: {error}"),
    "sources.version": ("versi", "version"),
    "sources.run.start": ("Mulai", "Started"),
    "sources.run.end": ("Selesai", "Finished"),
    "sources.run.read": ("Dibaca", "Read"),
    "sources.run.relevant": ("Relevan", "Relevant"),
    "sources.run.new": ("Baru", "New"),
    "sources.run.updated": ("Diperbarui", "Updated"),
    "sources.run.rejected": ("Ditolak", "Rejected"),
    "sources.kw.kind": ("Jenis", "Kind"),
    "sources.kw.label": ("Nama", "Name"),
    "sources.kw.terms": ("Kata kunci", "Keywords"),
    "sources.kw.topic": ("Topik", "Topic"),
    "sources.kw.names": ("nama", "names"),
    "sources.kw.nicknames": ("julukan", "nicknames"),
    "sources.kw.numbers": ("nomor urut", "ballot numbers"),
    "sources.kw.slogans": ("slogan", "slogans"),
    "sources.enable": ("Aktifkan", "Enable"),
    "sources.disable": ("Nonaktifkan", "Disable"),
    "sources.toggled": ("Sumber {name}: {state}", "Source {name}: {state}"),
    "sources.col.name": ("Nama", "Name"),
    "sources.col.type": ("Jenis", "Type"),
    "sources.col.enabled": ("Aktif", "Enabled"),
    "sources.col.last_run": ("Terakhir jalan", "Last run"),
    "sources.col.last_success": ("Terakhir berhasil", "Last success"),
    "sources.col.last_error": ("Galat terakhir", "Last error"),
    "sources.col.failures": ("Gagal beruntun", "Failures in a row"),
    "sources.col.items": ("Item per proses", "Items per run"),
    # audit
    "audit.title": ("Log audit", "Audit log"),
    "audit.search": ("Cari (petugas, tindakan, catatan)", "Search (officer, action, note)"),
    "audit.action": ("Tindakan", "Action"),
    "audit.post": ("ID item", "Item ID"),
    "audit.empty": ("Tidak ada catatan audit yang cocok.", "No matching audit events."),
    "audit.col.time": ("Waktu (WIB)", "Time (WIB)"),
    "audit.col.actor": ("Petugas", "Officer"),
    "audit.col.role": ("Peran", "Role"),
    "audit.col.action": ("Tindakan", "Action"),
    "audit.col.post": ("Item", "Item"),
    "audit.col.narrative": ("Narasi", "Narrative"),
    "audit.col.note": ("Catatan", "Note"),
    "audit.col.before": ("Sebelum", "Before"),
    "audit.col.after": ("Perubahan", "Change"),
    # -- the item view's evidence panel (dashboards/evidence_panel.py) --
    "evidence.title": ("Bukti digital", "Digital evidence"),
    "evidence.none": ("Belum ada paket bukti untuk item ini.", "No evidence packet for this item yet."),
    "evidence.pending": (
        "Item ini sudah dieskalasi tetapi buktinya belum dibekukan. Sistem membekukannya dalam beberapa "
        "menit, atau tekan “Bekukan bukti” sekarang.",
        "This item was escalated but its evidence is not frozen yet. The system freezes it within a few "
        "minutes, or press “Freeze evidence” now.",
    ),
    "evidence.freeze": ("Bekukan bukti", "Freeze evidence"),
    "evidence.download": ("Unduh berkas kasus", "Download case file"),
    "evidence.frozen": (
        "Bukti item #{post} dibekukan sebagai paket #{seq}.",
        "Evidence of item #{post} frozen as packet #{seq}.",
    ),
    "evidence.frozen_missing": (
        "Bukti item #{post} dibekukan sebagai paket #{seq}; tidak tertangkap: {missing}.",
        "Evidence of item #{post} frozen as packet #{seq}; not captured: {missing}.",
    ),
    "evidence.failed": ("Bukti tidak dapat dibekukan: {detail}", "Evidence could not be frozen: {detail}"),
    "evidence.col.seq": ("Paket", "Packet"),
    "evidence.col.time": ("Dibekukan", "Frozen"),
    "evidence.col.by": ("Oleh", "By"),
    "evidence.col.trigger": ("Pemicu", "Trigger"),
    "evidence.col.hash": ("SHA-256 manifest", "Manifest SHA-256"),
    "evidence.col.missing": ("Tidak tertangkap", "Not captured"),
    "evidence.col.released": ("Dilepas", "Released"),
    "evidence.trigger.escalation": ("eskalasi", "escalation"),
    "evidence.trigger.on_demand": ("permintaan petugas", "officer's request"),
    "narr.title": ("Narasi", "Narratives"),
    "topic.candidate": ("Paslon {pair}", "Pair {pair}"),
    "topic.candidates": ("Beberapa paslon", "Several pairs"),
    "topic.other": ("Lainnya", "Other"),
    "item.narrative_open": (
        "Buka narasi: semua unggahannya, narasi yang mirip, gabungkan",
        "Open the narrative: all its posts, similar narratives, merge",
    ),
    "narr.intro": (
        "Satu narasi = unggahan yang menceritakan ulang satu klaim. Peringkat: unggahan yang ditandai × "
        "jangkauan × pertumbuhan minggu ini dibanding minggu lalu.",
        "One narrative = the posts retelling one claim. Rank: flagged posts × reach × growth this week "
        "against last week.",
    ),
    "narr.order": ("Urutkan", "Order"),
    "narr.order.rank": ("Peringkat", "Rank"),
    "narr.order.last_seen": ("Terbaru", "Most recent"),
    "narr.order.posts": ("Unggahan terbanyak", "Most posts"),
    "narr.none": (
        "Belum ada narasi (narasi terbentuk setelah unggahan dinilai).",
        "No narratives yet (they form once posts are scored).",
    ),
    "narr.choose": ("Pilih narasi", "Choose a narrative"),
    "narr.heading": ("Narasi #{id}", "Narrative #{id}"),
    "narr.numbers": (
        "{posts} unggahan · jangkauan {reach} · topik {topic} · paslon {pairs} · {first} s.d. {last}",
        "{posts} posts · reach {reach} · topic {topic} · pairs {pairs} · {first} to {last}",
    ),
    "narr.debunk": ("Bantahan yang cocok: {claim}", "Matching debunk: {claim}"),
    "narr.members": ("Unggahan anggota (paling awal dulu)", "Member posts (earliest first)"),
    "narr.responses": (
        "Tanggapan: bantahan, berita dan akun resmi yang menjawab narasi ini",
        "Responses: debunks, news and official posts answering this narrative",
    ),
    "narr.responses_none": ("Belum ada tanggapan.", "No responses yet."),
    "narr.similar": ("Narasi yang mirip", "Similar narratives"),
    "narr.similar_help": (
        "Narasi aktif yang anggotanya paling mirip dengan narasi ini. Pengelompokan otomatis tidak "
        "menggabungkan cerita yang kata-katanya jauh berbeda, agar klaim yang berbeda tidak tercampur; "
        "bila dua narasi menceritakan klaim yang sama, analis menggabungkannya di sini.",
        "Live narratives whose members are most like this one's. Grouping does not join retellings whose "
        "wording differs a lot, so that different claims are never mixed; when two narratives tell the "
        "same claim, an analyst merges them here.",
    ),
    "narr.similar_none": (
        "Tidak ada narasi aktif lain untuk dibandingkan.",
        "No other live narrative to compare with.",
    ),
    "narr.curate": ("Gabungkan atau pisahkan", "Merge or split"),
    "narr.curate_hint": (
        "Hanya analis dan admin yang dapat menggabungkan atau memisahkan narasi.",
        "Only analysts and admins may merge or split narratives.",
    ),
    "narr.absorb": ("Narasi yang digabungkan ke narasi ini", "Narrative to merge into this one"),
    "narr.note": ("Catatan (disimpan di log audit)", "Note (kept in the audit log)"),
    "narr.merge": ("Gabungkan ke narasi ini", "Merge into this narrative"),
    "narr.merged": (
        "Narasi #{absorb} digabungkan ke #{keep}: {moved} unggahan dipindahkan.",
        "Narrative #{absorb} merged into #{keep}: {moved} post(s) moved.",
    ),
    "narr.split_posts": ("Unggahan yang dipisahkan ke narasi baru", "Posts to move into a new narrative"),
    "narr.split": ("Pisahkan jadi narasi baru", "Split into a new narrative"),
    "narr.choose_posts": ("Pilih unggahan", "Choose posts"),
    "narr.split_done": (
        "{moved} unggahan dipindahkan ke narasi baru #{id}.",
        "{moved} post(s) moved into the new narrative #{id}.",
    ),
    "narr.col.pairs": ("Paslon", "Pairs"),
    "narr.col.last_seen": ("Terakhir terlihat", "Last seen"),
    "narr.col.similarity": ("Kemiripan", "Similarity"),
    "narr.col.time": ("Waktu", "Time"),
    "narr.col.score": ("Skor", "Score"),
    "narr.col.joined": ("Bergabung karena", "Joined as"),
    "narr.col.text": ("Teks", "Text"),
    "narr.col.kind": ("Jenis", "Kind"),
    "narr.joined.new": ("pembuka", "opener"),
    "narr.joined.duplicate": ("salinan", "copy"),
    "narr.joined.similar": ("mirip", "paraphrase"),
    "narr.joined.claim": ("klaim yang sama", "same claim"),
    "narr.kind.debunk": ("bantahan", "debunk"),
    "narr.kind.news": ("berita", "news"),
    "narr.kind.official": ("akun resmi", "official"),
}


def t(key: str, lang: str = DEFAULT_LANGUAGE, **values: object) -> str:
    """The text for `key` in `lang` ("id" or "en"), with `{placeholders}` filled in."""
    pair = TEXT[key]
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def verdict_label(verdict: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The verdict of a case (hoaks, bukan hoaks, perlu dicek) or "-"."""
    return t(f"status.{verdict}" if verdict else "status.none", lang)


def holder_label(holder: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    """The agency holding an item now; an item nobody escalated is KPU's."""
    return role_label(holder or "kpu", lang)


def format_number(value: float | int | None, lang: str = DEFAULT_LANGUAGE, decimals: int = 0) -> str:
    """Numbers as officers read them: 1.477.833 and 0,75 in Indonesian (1,477,833 and 0.75 in English)."""
    from babel.numbers import format_decimal

    if value is None:
        return "-"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale="en_US" if lang == "en" else "id_ID")


def status_label(status: str | None, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"status.{status}" if status else "status.none", lang)


def action_label(action: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"action.{action}", lang)


def topic_label(key: str | None, names: Mapping[str, str], lang: str = DEFAULT_LANGUAGE) -> str:
    """A topic key as an officer reads it: its name from the keywords file (`names`), "Paslon 03" for a
    post about one pair ("candidate:03"), "Beberapa paslon" for a narrative naming several pairs, "Lainnya"
    for "other"."""
    if not key:
        return "-"
    if key in names:
        return names[key]
    if key.startswith("candidate:"):
        return t("topic.candidate", lang, pair=key.removeprefix("candidate:"))
    if key in ("candidates", "other"):
        return t(f"topic.{key}", lang)
    return key


def role_label(role: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return t(f"role.{role}", lang) if f"role.{role}" in TEXT else role


# -- times: stored in UTC, shown in the configured zone (WIB for Asia/Jakarta) -----------------------------
MONTHS_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def zone_name(tz: ZoneInfo, at: datetime | None = None) -> str:
    """The zone's abbreviation ("WIB" for Asia/Jakarta), else its IANA name (zones without one)."""
    local = at.astimezone(tz) if at else datetime(2024, 1, 1, 12, tzinfo=tz)
    name = local.strftime("%Z")
    return tz.key if not name or name[0] in "+-" else name


def format_time(value: datetime | None, tz: ZoneInfo, with_zone: bool = True) -> str:
    """A stored UTC time as the officer reads it in tables: 14-02-2024 09:30 WIB."""
    if value is None:
        return "-"
    try:
        local = value.astimezone(tz)
    except (OverflowError, ValueError):  # e.g. a post dated 9999-12-31 23:59 UTC is past year 9999 in WIB
        return t("common.invalid_date")
    return local.strftime("%d-%m-%Y %H:%M") + (f" {zone_name(tz, local)}" if with_zone else "")


def format_moment(value: datetime | None, tz: ZoneInfo) -> str:
    """A time in running Bahasa text (reports, messages): 18 Februari 2024 23.12 WIB."""
    if value is None:
        return "-"
    try:
        local = value.astimezone(tz)
    except (OverflowError, ValueError):
        return t("common.invalid_date")
    return f"{local.day} {MONTHS_ID[local.month - 1]} {local.year} {local:%H.%M} {zone_name(tz, local)}"

"""The citizen tipline "Lindungi Hakmu" (services floor): citizens forward a message, the bot answers.

- `bot`: the channel-independent core (`Tipline`, `Incoming`, `Channel`): known debunk or true fact →
  that; a "cek DPT" question → KPU's own service; unknown → "sedang kami periksa" and into the queue;
- `telegram`: the Bot API channel and its long-polling loop; `whatsapp`: the WhatsApp Business Cloud
  API channel; `webhook`: the HTTP endpoints both platforms can push to (signatures checked);
- `outbox`: every reply is a row first and is sent once;
- `service`: officers' verdicts to those who asked, retention, the weekly "Pertanyaan warga" numbers;
- `privacy`, `limits`, `messages`, `config`: pseudonyms and masking, rate limits, wording, settings.

The classifier comes from the caller (the CLI resolves the active model): services do not import each
other, so the tipline takes any `monitor.classify.Classifier`.
"""

from monitor.tipline.bot import HandleResult, Incoming, Tipline, tip_priority
from monitor.tipline.config import TiplineConfig, load_tipline_config
from monitor.tipline.outbox import Channel, DeliveryError, Outbox
from monitor.tipline.privacy import TipKeys, mask_nik
from monitor.tipline.service import (
    NotifyResult,
    citizen_questions,
    demand_counts,
    notify_decided_tips,
    purge_expired,
    queue_decided_verdicts,
)

__all__ = [
    "Channel",
    "DeliveryError",
    "HandleResult",
    "Incoming",
    "NotifyResult",
    "Outbox",
    "TipKeys",
    "Tipline",
    "TiplineConfig",
    "citizen_questions",
    "demand_counts",
    "load_tipline_config",
    "mask_nik",
    "notify_decided_tips",
    "purge_expired",
    "queue_decided_verdicts",
    "tip_priority",
]
